// What the benchmarks share: the simulator in a process of its own (simulator-process.ts) and an
// eval in a process of its own (eval-process.ts), so that each one's time and peak memory are its
// own, not the benchmark's.
import { fork, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import type { SimulatorConfig, SimulatorStats } from "../simulator/index.ts";
import type { EvalSummary } from "../eval/run-experiment.ts";
import type { FloorMeasure, FloorRun } from "./floor-client.ts";

/** A simulator answering every request after `latencyMs`, without faults, serving `model`. */
export function benchSimulatorConfig(latencyMs: number, model = "sim/bench"): SimulatorConfig {
  return {
    seed: 0,
    latency_ms: { distribution: "fixed", mean: latencyMs },
    faults: { rate_429: 0, retry_after_s: 1, rate_500: 0, rate_reset: 0, rate_hang: 0, rate_non_json: 0, rate_batch_line_error: 0 },
    models: [{ name: model, reasoning: "reasoning", refusal_rate: 0.5, unsafe_thinking_rate: 0.5, thinking_words: 16, answer_words: 16 }],
  } as SimulatorConfig;
}

export interface BenchSimulator {
  url: string;
  /** Chat requests answered so far. */
  chatRequests(): Promise<number>;
  /** CPU time the simulator process has used so far (user and system). */
  cpuMs(): Promise<number>;
  close(): void;
}

export async function startBenchSimulator(config: SimulatorConfig, options: { cpuProfDir?: string } = {}): Promise<BenchSimulator> {
  const child = fork(new URL("./simulator-process.ts", import.meta.url), { execArgv: ["--import", "tsx", ...profiling(options.cpuProfDir)] });
  const url = await ask<{ url: string }>(child, { type: "start", config }, "started").then((m) => m.url);
  return {
    url,
    chatRequests: async () => {
      const { stats } = await ask<{ stats: SimulatorStats }>(child, { type: "stats" }, "stats");
      return Object.values(stats.byModel).reduce((n, count) => n + count, 0);
    },
    cpuMs: async () => (await ask<{ cpuMs: number }>(child, { type: "stats" }, "stats")).cpuMs,
    close: () => child.send({ type: "close" }),
  };
}

/** An experiment of one model, the benchmark's simulator, on one benchmark subset. */
export async function writeBenchExperiment(
  file: string,
  options: { id: string; url: string; benchmark: string; subset: string; repeats?: number; concurrency: number; dataDir?: string },
): Promise<void> {
  const lines = [
    `id: ${options.id}`,
    "models:",
    `  - {id: bench, model: sim/bench, base_url: "${options.url}"}`,
    "benchmarks:",
    `  - {id: ${options.benchmark}, subset: ${options.subset}}`,
    `repeats: ${options.repeats ?? 1}`,
    `concurrency: ${options.concurrency}`,
    "timeout_s: 60",
    ...(options.dataDir ? [`data_dir: "${options.dataDir}"`] : []),
  ];
  await writeFile(file, `${lines.join("\n")}\n`);
}

export interface EvalRun {
  experimentFile: string;
  outDir: string;
  cacheDir: string;
  /** Write a V8 CPU profile of the eval into this folder (node --cpu-prof). */
  cpuProfDir?: string;
}

/** What eval-process.ts measured. Times are milliseconds since that process started. */
export interface EvalMeasure {
  /** When the process was ready to run (node and tsx loaded). */
  readyMs: number;
  /** When the benchmarks' samples were loaded (their images hashed or found in the index). */
  samplesMs: number | null;
  /** When the first chat request left, null when none did. */
  firstRequestMs: number | null;
  doneMs: number;
  /** Peak resident memory of the eval process (getrusage's ru_maxrss). */
  maxRssBytes: number;
  /** CPU time the eval process used, user and system (on a busy machine, wall time is not its own). */
  cpuMs: number;
  summary: Pick<EvalSummary, "rows" | "answered" | "fromCache" | "errors" | "errorKinds">;
}

export async function runEvalProcess(run: EvalRun): Promise<EvalMeasure> {
  const execArgv = ["--import", "tsx", ...profiling(run.cpuProfDir)];
  const child = fork(new URL("./eval-process.ts", import.meta.url), { execArgv });
  const { measure } = await ask<{ measure: EvalMeasure }>(child, { type: "run", run }, "done");
  await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
  return measure;
}

/** The same image requests from a floor client in a process of its own (floor-client.ts). */
export async function runFloorClient(run: FloorRun): Promise<FloorMeasure> {
  const child = fork(new URL("./floor-client.ts", import.meta.url), { execArgv: ["--import", "tsx"] });
  const { measure } = await ask<{ measure: FloorMeasure }>(child, { type: "run", run }, "done");
  await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
  return measure;
}

/** node's flags that write a V8 CPU profile of the process into `dir` when it exits. */
function profiling(dir: string | undefined): string[] {
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

export function ask<T>(process: ChildProcess, message: object, reply: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; error?: string }) => {
      if (m.type === "failed") reject(new Error(m.error));
      if (m.type !== reply) return;
      process.off("message", onMessage);
      resolve(m as T);
    };
    process.on("message", onMessage);
    process.once("exit", (code) => reject(new Error(`child process exited (${code})`)));
    process.send(message);
  });
}

/** Figures as aligned "name  value" lines. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, value]) => `${name.padEnd(width)}${value}`).join("\n");
}

export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
