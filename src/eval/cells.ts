// The reproduction status of a run, per model × benchmark cell: how many rows were planned, how many
// have an answer (asked now or taken from the cache), how many failed, and — for a cell with nothing
// — why (endpoint not configured or unreachable, benchmark data missing, every request failed).
// Recorded in manifest.json and published by the site as its status matrix.
import { getBenchmark } from "../benchmarks/index.ts";
import type { Experiment } from "../experiments/load.ts";
import type { Result } from "../runner/run.ts";
import type { BenchmarkLabel } from "./plan.ts";
import type { PlannedRow } from "./plan.ts";

export const CELL_STATUSES = ["answered", "cached", "partial", "missing"] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

export interface RunCell {
  model_id: string;
  benchmark_id: string;
  subset: string;
  base_model_id: string | null;
  /** answered: every row has an answer, some asked in this run; cached: every answer came from the
   * cache; partial: some rows failed; missing: no row has an answer (see reason). */
  status: CellStatus;
  planned: number;
  answered: number;
  from_cache: number;
  errors: number;
  /** Why rows are missing: the endpoint's or data's problem, or the commonest error kinds. */
  reason: string | null;
}

export function runCells(
  experiment: Experiment,
  planned: readonly PlannedRow[],
  results: readonly Result[],
  unavailable: Readonly<Record<string, string>>,
  missingData: ReadonlyArray<BenchmarkLabel & { problem: string }>,
): RunCell[] {
  const tally = new Map<string, { answered: number; fromCache: number; errors: Map<string, number>; planned: number }>();
  const keyOf = (model: string, benchmark: string, subset: string) => `${model}\0${benchmark}\0${subset}`;
  planned.forEach((row, i) => {
    const key = keyOf(row.model.id, row.sample.benchmark, row.sample.subset);
    const cell = tally.get(key) ?? { answered: 0, fromCache: 0, errors: new Map<string, number>(), planned: 0 };
    tally.set(key, cell);
    cell.planned++;
    const result = results[i]!;
    if (result.ok) (result.cached ? cell.fromCache++ : cell.answered++);
    else cell.errors.set(result.errorKind, (cell.errors.get(result.errorKind) ?? 0) + 1);
  });
  return experiment.models.flatMap((model) =>
    experiment.spec.benchmarks.map((ref): RunCell => {
      const subset = ref.subset ?? getBenchmark(ref.id).defaultSubset;
      const label = { benchmark_id: ref.id, subset };
      const data = missingData.find((m) => m.benchmark_id === ref.id && (m.subset ?? subset) === subset);
      const cell = tally.get(keyOf(model.id, ref.id, subset));
      const counts = { planned: cell?.planned ?? 0, answered: cell?.answered ?? 0, from_cache: cell?.fromCache ?? 0 };
      const errors = cell ? [...cell.errors.values()].reduce((a, b) => a + b, 0) : 0;
      const base = { model_id: model.id, base_model_id: model.base, ...label, ...counts, errors };
      const problems = [
        ...(unavailable[model.id] !== undefined ? [`endpoint: ${unavailable[model.id]}`] : []),
        ...(data ? [`benchmark data missing: ${data.problem}`] : []),
      ];
      if (problems.length) return { ...base, status: "missing", reason: problems.join("; ") };
      const ok = counts.answered + counts.from_cache;
      const failures = cell ? [...cell.errors].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([kind, n]) => `${n} ${kind}`).join(", ") : "";
      if (counts.planned > 0 && ok === 0) return { ...base, status: "missing", reason: `every request failed: ${failures}` };
      if (errors > 0) return { ...base, status: "partial", reason: `${failures}; rerun to ask the failed rows again` };
      if (counts.planned === 0) return { ...base, status: "missing", reason: "no samples planned (empty selection or another shard)" };
      return { ...base, status: counts.answered > 0 ? "answered" : "cached", reason: null };
    }),
  );
}
