// The rows an experiment must produce: models × benchmark samples × repeats, in a fixed order, each
// with its cache key. Eval, shards and merge all derive their rows from this one plan.
import { getBenchmark } from "../benchmarks/index.ts";
import type { DataContext, Sample } from "../benchmarks/sample.ts";
import { DataError } from "../errors.ts";
import type { Experiment, ResolvedModel } from "../experiments/load.ts";
import { cacheKey } from "./request.ts";

export interface Shard {
  index: number; // 1-based
  count: number;
}

/**
 * Loads every benchmark of the experiment; bad data or a missing image stops here, before any
 * request. With `onMissing`, a benchmark whose data cannot be read is instead reported to it and
 * planned with no samples (the site build shows it as missing rather than failing).
 */
export async function loadSamples(
  experiment: Experiment,
  context: DataContext = { dataDir: experiment.dataDir },
  onMissing?: (ref: BenchmarkLabel, problem: DataError) => void,
): Promise<Sample[][]> {
  const samples: Sample[][] = [];
  const withLimit = { ...context, maxImagePixels: experiment.limits.maxImagePixels };
  for (const ref of experiment.spec.benchmarks) {
    const selection = { ...(ref.subset && { subset: ref.subset }), ...(ref.limit && { limit: ref.limit }) };
    try {
      samples.push(await getBenchmark(ref.id).load(selection, withLimit));
    } catch (error) {
      if (!onMissing || !(error instanceof DataError)) throw error;
      onMissing({ benchmark_id: ref.id, subset: ref.subset ?? null }, error);
      samples.push([]);
    }
  }
  return samples;
}

export interface BenchmarkLabel {
  benchmark_id: string;
  subset: string | null;
}

/** One request of the plan: a model asked a sample, the `repeat`th time; `key` is its cache key. */
export interface PlannedRow {
  model: ResolvedModel;
  sample: Sample;
  repeat: number;
  key: string;
}

export function planRows(experiment: Experiment, samples: readonly Sample[][], shard?: Shard): PlannedRow[] {
  const { repeats, image_max_side: imageMaxSide } = experiment.spec;
  const rows: PlannedRow[] = [];
  for (const model of experiment.models) {
    for (const benchmark of samples) {
      for (const sample of benchmark) {
        for (let repeat = 0; repeat < repeats; repeat++) {
          const key = cacheKey(model, sample, repeat, imageMaxSide);
          if (!shard || inShard(key, shard)) rows.push({ model, sample, repeat, key });
        }
      }
    }
  }
  return rows;
}

/** Whether a row belongs to shard i of n: by its cache key, so the split is stable and even. */
export function inShard(key: string, shard: Shard): boolean {
  return Number.parseInt(key.slice(0, 8), 16) % shard.count === shard.index - 1;
}

/** Output file names: shards write beside each other in one folder without clashing. */
export function outputNames(shard?: Shard): { responses: string; manifest: string } {
  const suffix = shard ? `.shard-${shard.index}-of-${shard.count}` : "";
  return { responses: `responses${suffix}.parquet`, manifest: `manifest${suffix}.json` };
}
