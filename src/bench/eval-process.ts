// One `thinksafe eval` in a process of its own for the benchmarks, driven over the IPC channel of
// child_process.fork: it runs the experiment as the command does and reports when the samples were
// loaded, when the first chat request left (Node's http diagnostics channel) and its peak memory.
import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { dataContext } from "../benchmarks/data-dir.ts";
import { runExperiment } from "../eval/run-experiment.ts";
import { loadExperiment } from "../experiments/load.ts";
import { answerOneRun } from "./child-run.ts";
import type { EvalMeasure, EvalRun } from "./processes.ts";

answerOneRun(measure);

async function measure(run: EvalRun): Promise<EvalMeasure> {
  const readyMs = performance.now();
  let firstRequestMs: number | null = null;
  subscribe("http.client.request.start", (message) => {
    const { request } = message as { request: ClientRequest };
    if (firstRequestMs === null && request.method === "POST" && request.path.endsWith("/chat/completions")) firstRequestMs = performance.now();
  });
  let samplesMs: number | null = null;
  const experiment = await loadExperiment(run.experimentFile);
  const summary = await runExperiment(experiment, {
    outDir: run.outDir,
    cacheDir: run.cacheDir,
    data: dataContext(undefined, experiment.dataDir),
    onSamples: () => void (samplesMs = performance.now()),
    progress: process.stderr,
    calibrate: false,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const { rows, answered, fromCache, errors, errorKinds } = summary;
  const usage = process.resourceUsage();
  return {
    readyMs,
    samplesMs,
    firstRequestMs,
    doneMs: performance.now(),
    maxRssBytes: usage.maxRSS * 1024,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    summary: { rows, answered, fromCache, errors, errorKinds },
  };
}
