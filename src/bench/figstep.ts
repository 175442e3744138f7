// `npm run bench:figstep`: FigStep's SafeBench (500 typographic images thinksafe renders) repeated R
// times, through `thinksafe eval` against the simulator at latency L and concurrency C, in a
// process of its own. Three runs: the first renders the images into the render cache (a fresh
// cache); the second finds them there (fresh answers, the bar's run: ideal N·L/C, start-up
// included); the third is answered from the cache and sends nothing.
//   npm run bench:figstep -- --repeats 20 --latency 200 --concurrency 64 [--subset safebench] [--profile DIR]
import os, { tmpdir } from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchSimulatorConfig, mb, runEvalProcess, seconds, startBenchSimulator, table, writeBenchExperiment, type EvalMeasure } from "./processes.ts";

const { values } = parseArgs({
  options: {
    subset: { type: "string", default: "safebench" },
    repeats: { type: "string", default: "20" },
    latency: { type: "string", default: "200" },
    concurrency: { type: "string", default: "64" },
    profile: { type: "string" },
  },
});
const repeats = Number(values.repeats);
const latencyMs = Number(values.latency);
const concurrency = Number(values.concurrency);

const loadBefore = os.loadavg()[0]!.toFixed(1);
const root = await mkdtemp(join(tmpdir(), "thinksafe-bench-figstep-"));
const simulator = await startBenchSimulator(benchSimulatorConfig(latencyMs), { ...(values.profile && { cpuProfDir: join(values.profile, "simulator") }) });
try {
  const experimentFile = join(root, "bench-figstep.yaml");
  await writeBenchExperiment(experimentFile, { id: "bench-figstep", url: simulator.url, benchmark: "figstep", subset: values.subset, repeats, concurrency });
  const cacheDir = join(root, "cache");
  const run = (name: string) => ({ experimentFile, outDir: join(root, name), cacheDir, ...(values.profile && { cpuProfDir: join(values.profile, name) }) });
  const sent = () => simulator.chatRequests();

  process.stderr.write("[bench] a fresh cache: the images are rendered\n");
  const cold = await runEvalProcess(run("cold"));
  const sentCold = await sent();
  // Answers forgotten, renders kept: what a run of new models (or new settings) on FigStep costs.
  await rm(join(cacheDir, "responses"), { recursive: true, force: true });
  process.stderr.write("[bench] the render cache warm, no answers cached\n");
  const warm = await runEvalProcess(run("warm"));
  const sentWarm = (await sent()) - sentCold;
  process.stderr.write("[bench] fully cached rerun\n");
  const cached = await runEvalProcess(run("warm"));
  const sentCached = (await sent()) - sentCold - sentWarm;
  const rows = cold.summary.rows;
  for (const [label, measure] of [["cold", cold], ["warm", warm], ["cached", cached]] as const) check(measure, label);

  const ideal = (rows * latencyMs) / concurrency;
  const startUp = (m: EvalMeasure) => (m.firstRequestMs === null ? "none" : `${seconds(m.firstRequestMs)} (samples loaded ${seconds(m.samplesMs! - m.readyMs)} after node and tsx were ready, at ${seconds(m.readyMs)})`);
  console.log(
    table([
      ["load average (1 min)", `${loadBefore} before, ${os.loadavg()[0]!.toFixed(1)} after, on ${os.availableParallelism()} cores`],
      ["requests", `${rows.toLocaleString("en-US")} (FigStep ${values.subset} × ${repeats} repeats)`],
      ["latency, concurrency", `${latencyMs} ms, ${concurrency}`],
      ["ideal N·L/C", seconds(ideal)],
      ["warm render cache", ""],
      ["  wall, start-up included", `${seconds(warm.doneMs)} (${(warm.doneMs / ideal).toFixed(3)}× ideal; bar 1.10×)`],
      ["  first request at", startUp(warm)],
      ["  peak RSS", `${mb(warm.maxRssBytes)} (bar 300 MB)`],
      ["  CPU", `${seconds(warm.cpuMs)} (${((warm.cpuMs / rows) * 1000).toFixed(0)} µs a request)`],
      ["  requests sent", sentWarm.toLocaleString("en-US")],
      ["cold render cache", ""],
      ["  wall", `${seconds(cold.doneMs)} (${(cold.doneMs / ideal).toFixed(3)}× ideal)`],
      ["  first request at", startUp(cold)],
      ["  peak RSS", mb(cold.maxRssBytes)],
      ["fully cached rerun", `${seconds(cached.doneMs)}, ${sentCached} requests sent, peak RSS ${mb(cached.maxRssBytes)}`],
    ]),
  );
} finally {
  simulator.close();
  await rm(root, { recursive: true, force: true });
}

function check(measure: EvalMeasure, label: string): void {
  const { summary } = measure;
  if (summary.errors > 0) throw new Error(`${label}: ${summary.errors} errors ${JSON.stringify(summary.errorKinds)}`);
}
