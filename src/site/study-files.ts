// The site study's folder as loaders read it (src/site/study.ts writes it): light on purpose, so
// that a loader handed the folder by the build starts without loading the engine.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunCell } from "../eval/cells.ts";

export type SiteExperiment = "demo" | "paper" | "finetune-demo" | "finetune";

/** The variable through which the build hands its study folder to the loaders it starts. */
export const STUDY_DIR_VARIABLE = "THINKSAFE_SITE_STUDY";

/** The folder the build handed over, when there is a complete one. */
export function handedStudyDir(): string | null {
  const handed = process.env[STUDY_DIR_VARIABLE];
  return handed && existsSync(join(handed, "runs.json")) ? handed : null;
}

export interface SiteRun {
  experiment_id: SiteExperiment;
  experiment_hash: string;
  /** Every model and judge of the experiment is served by the simulator. */
  is_simulated: boolean;
  cells: RunCell[];
  /** Judges left out because their endpoint is not configured, with why. */
  unconfigured_judges: Record<string, string>;
}

export interface StatusRow extends RunCell {
  experiment_id: string;
  is_simulated: boolean;
}

/** Every site experiment's sample images: sha256 → downscaled data URI. */
export async function siteImages(dir: string): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const run of await readSiteRuns(dir)) {
    const file = join(dir, run.experiment_id, "images.json");
    if (existsSync(file)) Object.assign(images, JSON.parse(await readFile(file, "utf8")) as Record<string, string>);
  }
  return images;
}

export async function readSiteRuns(dir: string): Promise<SiteRun[]> {
  return JSON.parse(await readFile(join(dir, "runs.json"), "utf8")) as SiteRun[];
}

/** The status matrix: every experiment's model × benchmark cells. */
export function statusRows(runs: readonly SiteRun[]): StatusRow[] {
  return runs.flatMap((run) => run.cells.map((cell) => ({ experiment_id: run.experiment_id, is_simulated: run.is_simulated, ...cell })));
}

/** Cells with nothing to show, as lines for --strict's error. */
export function missingCells(runs: readonly SiteRun[]): string[] {
  return [
    ...statusRows(runs)
      .filter((row) => row.status !== "answered" && row.status !== "cached")
      .map((row) => `${row.experiment_id}: ${row.model_id} × ${row.benchmark_id}/${row.subset}: ${row.status}: ${row.reason}`),
    ...runs.flatMap((run) => Object.entries(run.unconfigured_judges).map(([judge, why]) => `${run.experiment_id}: judge ${judge}: ${why}`)),
  ];
}

