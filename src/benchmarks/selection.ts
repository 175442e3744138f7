// Checks a BenchmarkSelection against a benchmark; shared so every benchmark reads it alike.
import { UsageError } from "../errors.ts";
import type { Benchmark, BenchmarkSelection } from "./sample.ts";

/** The subset asked for, or the default; an unknown one is a UsageError listing the known ones. */
export function selectedSubset(benchmark: Pick<Benchmark, "id" | "subsets" | "defaultSubset">, selection: BenchmarkSelection): string {
  const subset = selection.subset ?? benchmark.defaultSubset;
  if (!benchmark.subsets.includes(subset)) {
    throw new UsageError(`${benchmark.id} has no subset "${subset}"; known subsets: ${benchmark.subsets.join(", ")}`);
  }
  return subset;
}

/** The first `limit` items, or all of them without a limit. */
export function firstItems<T>(items: T[], selection: BenchmarkSelection): T[] {
  const { limit } = selection;
  if (limit === undefined) return items;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`limit must be a whole number from 1, found ${limit}`);
  return items.slice(0, limit);
}
