// `thinksafe eval EXPERIMENT.yaml --out DIR`: run an experiment into DIR/responses.parquet.
import { resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { dataContext } from "../benchmarks/data-dir.ts";
import type { Shard } from "../eval/plan.ts";
import { runExperiment } from "../eval/run-experiment.ts";
import { loadExperiment } from "../experiments/load.ts";
import { commandCacheDir } from "./cache-dir.ts";

export interface EvalCommandOptions {
  out: string;
  cache?: string;
  dataDir?: string;
  shard?: string;
  /** False with --no-calibrate. */
  calibrate?: boolean;
  force?: boolean;
}

/** Returns the exit code: 0 when every row has an answer, 1 when some failed (rerun to retry them). */
export async function evalCommand(file: string, options: EvalCommandOptions, log: (line: string) => void): Promise<number> {
  const experiment = await loadExperiment(file);
  const outDir = resolve(options.out);
  const summary = await runExperiment(experiment, {
    outDir,
    data: dataContext(options.dataDir, experiment.dataDir),
    cacheDir: await commandCacheDir(options.cache, outDir),
    ...(options.shard && { shard: parseShard(options.shard) }),
    calibrate: options.calibrate !== false,
    force: options.force === true,
    log,
  });
  log(`[eval] wrote ${summary.responsesFile} (${summary.rows.toLocaleString("en-US")} rows) and ${summary.manifestFile}`);
  if (summary.errors === 0) return 0;
  const unavailable = Object.keys(summary.unavailable);
  log(
    `[eval] ${summary.errors.toLocaleString("en-US")} rows have no answer` +
      (unavailable.length ? `; unavailable: ${unavailable.join(", ")}` : "") +
      ". Answers already received are cached: run the same command again to retry only the rest.",
  );
  return 1;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard ${text}: expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/4`);
  }
  return { index, count };
}
