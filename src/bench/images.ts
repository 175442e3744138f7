// `npm run bench:images`: a JailBreakV-28K-sized run. N rows, each with its own distinct image of
// about K kB (random gray pixels, stored PNG, written to a temporary folder by this script), through
// `thinksafe eval` against the simulator at latency L and concurrency C, in a process of its own.
// The ideal is N·L/C; the bar is 3× the ideal plus the time to read every image once. Then the same
// run again, which must come from the caches: no request, and no image read to know it is unchanged.
// Last, the floors on this machine: the same requests from a bare node:http client and from the
// openai client alone (floor-client.ts), against which the eval's request phase is also shown,
// since on 2 cores the simulator and the client share the CPU and N·L/C assumes neither costs anything.
//   npm run bench:images -- --rows 28000 --kb 50 --latency 20 --concurrency 128 [--profile DIR]
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodeGrayPng } from "../benchmarks/gray-png.ts";
import type { FloorMeasure } from "./floor-client.ts";
import { benchSimulatorConfig, mb, runEvalProcess, runFloorClient, seconds, startBenchSimulator, table, writeBenchExperiment, type EvalMeasure } from "./processes.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "28000" },
    kb: { type: "string", default: "50" },
    latency: { type: "string", default: "20" },
    concurrency: { type: "string", default: "128" },
    profile: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
const latencyMs = Number(values.latency);
const concurrency = Number(values.concurrency);
const side = Math.round(Math.sqrt(Number(values.kb) * 1000));

const loadBefore = os.loadavg()[0]!.toFixed(1);
const root = await mkdtemp(join(tmpdir(), "thinksafe-bench-images-"));
const simulator = await startBenchSimulator(benchSimulatorConfig(latencyMs), { ...(values.profile && { cpuProfDir: join(values.profile, "simulator") }) });
try {
  const dataDir = join(root, "data");
  const started = performance.now();
  const files = await writeDataset(join(dataDir, "jailbreakv"), rows, side);
  const generated = performance.now() - started;
  const readOnce = await timeReadingOnce(files);

  const experimentFile = join(root, "bench-images.yaml");
  await writeBenchExperiment(experimentFile, { id: "bench-images", url: simulator.url, benchmark: "jailbreakv", subset: "full", concurrency, dataDir });
  const run = { experimentFile, outDir: join(root, "run"), cacheDir: join(root, "cache"), ...(values.profile && { cpuProfDir: values.profile }) };
  process.stderr.write(`[bench] ${rows.toLocaleString("en-US")} images of ${mb(files.bytes)} in total written in ${seconds(generated)}; first run\n`);
  const simulatorCpu = await simulator.cpuMs();
  const first = await runEvalProcess(run);
  const sentFirst = await simulator.chatRequests();
  const simulatorFirstCpu = (await simulator.cpuMs()) - simulatorCpu;
  process.stderr.write("[bench] fully cached rerun\n");
  const rerun = await runEvalProcess(run);
  const sentRerun = (await simulator.chatRequests()) - sentFirst;
  check(first, rows, "first run");
  check(rerun, rows, "rerun");
  process.stderr.write("[bench] the floors: the same images from a bare node:http client, then from the openai client alone\n");
  const floorRun = { url: simulator.url, model: "sim/bench", dir: join(dataDir, "jailbreakv", "images"), count: rows, concurrency };
  const bare = await runFloorClient({ client: "node:http", ...floorRun });
  const openai = await runFloorClient({ client: "openai", ...floorRun });
  const requestPhase = first.doneMs - (first.firstRequestMs ?? first.doneMs);

  const ideal = (rows * latencyMs) / concurrency;
  const bar = 3 * ideal + readOnce;
  console.log(
    table([
      ["load average (1 min)", `${loadBefore} before, ${os.loadavg()[0]!.toFixed(1)} after, on ${os.availableParallelism()} cores`],
      ["rows (distinct images)", `${rows.toLocaleString("en-US")} × ${(files.bytes / rows / 1000).toFixed(1)} kB (${mb(files.bytes)})`],
      ["latency, concurrency", `${latencyMs} ms, ${concurrency}`],
      ["ideal N·L/C", seconds(ideal)],
      ["read every image once", seconds(readOnce)],
      ["wall (process start to end)", `${seconds(first.doneMs)} (${(first.doneMs / ideal).toFixed(2)}× ideal; bar 3× ideal + read = ${seconds(bar)}, ${(first.doneMs / bar).toFixed(2)}× the bar)`],
      ["  samples loaded at", seconds(first.samplesMs! - first.readyMs) + " after start-up"],
      ["  first request at", first.firstRequestMs === null ? "none" : `${seconds(first.firstRequestMs)} (process start)`],
      ["  first request to end", `${seconds(requestPhase)} (${(requestPhase / openai.wallMs).toFixed(2)}× the openai client's floor, ${(requestPhase / bare.wallMs).toFixed(2)}× node:http's)`],
      ["floor: bare node:http client", floorLine(bare)],
      ["floor: openai client alone", floorLine(openai)],
      ["peak RSS (eval process)", `${mb(first.maxRssBytes)} (bar 500 MB)`],
      ["CPU: eval, simulator", `${seconds(first.cpuMs)}, ${seconds(simulatorFirstCpu)} (${((first.cpuMs / rows) * 1000).toFixed(0)} µs and ${((simulatorFirstCpu / rows) * 1000).toFixed(0)} µs a request)`],
      ["requests sent", sentFirst.toLocaleString("en-US")],
      ["cached rerun", `${seconds(rerun.doneMs)}, ${sentRerun} requests sent, peak RSS ${mb(rerun.maxRssBytes)}, CPU ${seconds(rerun.cpuMs)} (bar 10 s, 0 requests)`],
      ["  samples loaded at", `${seconds(rerun.samplesMs! - rerun.readyMs)} after start-up (cached hashes; bar 2 s)`],
    ]),
  );
} finally {
  simulator.close();
  if (values.keep) process.stderr.write(`[bench] kept ${root}\n`);
  else await rm(root, { recursive: true, force: true });
}

function floorLine(floor: FloorMeasure): string {
  return `${seconds(floor.wallMs)} for the same ${rows.toLocaleString("en-US")} requests, CPU ${seconds(floor.cpuMs)} (${((floor.cpuMs / rows) * 1000).toFixed(0)} µs a request)`;
}

function check(measure: EvalMeasure, expected: number, label: string): void {
  const { summary } = measure;
  if (summary.rows !== expected || summary.errors > 0) throw new Error(`${label}: ${summary.rows} rows, ${summary.errors} errors ${JSON.stringify(summary.errorKinds)}`);
}

/** JailBreakV's layout: the CSV and one distinct PNG per row under images/. */
async function writeDataset(dir: string, n: number, side: number): Promise<{ paths: string[]; bytes: number }> {
  await mkdir(join(dir, "images"), { recursive: true });
  const lines = ["id,jailbreak_query,redteam_query,format,policy,image_path"];
  const paths: string[] = [];
  let bytes = 0;
  const WRITERS = 16;
  for (let start = 0; start < n; start += WRITERS) {
    await Promise.all(
      Array.from({ length: Math.min(WRITERS, n - start) }, async (_, k) => {
        const i = start + k;
        const png = noisePng(side);
        const path = join(dir, "images", `${i}.png`);
        await writeFile(path, png);
        paths[i] = path;
        bytes += png.length;
      }),
    );
  }
  for (let i = 0; i < n; i++) lines.push(`${i},"Describe image number ${i}, step by step.","Describe image ${i}",Template,Benchmarking,images/${i}.png`);
  await writeFile(join(dir, "JailBreakV_28K.csv"), `${lines.join("\n")}\n`);
  return { paths, bytes };
}

/** A side×side gray PNG of random pixels, stored without compression (noise does not compress). */
function noisePng(side: number): Buffer {
  return encodeGrayPng(side, side, randomBytes(side * side), {}, { level: 0 });
}

/** Reads and hashes every file once, one after another: the least any run that sends them must do. */
async function timeReadingOnce({ paths }: { paths: string[] }): Promise<number> {
  const started = performance.now();
  for (const path of paths) createHash("sha256").update(readFileSync(path)).digest("hex");
  return performance.now() - started;
}
