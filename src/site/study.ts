// The study the site publishes: every experiment in SITE_EXPERIMENTS run (from the project's response
// cache when it can) and judged, once per set of run inputs (run-inputs.ts: not the SQL of the
// statistics, which the loader computes from this folder, publish.ts). The build runs it before
// Framework does (so --strict can stop the build and progress shows once); the loader then reads the
// folder it left. A folder is written under a temporary name and renamed into place, so a loader
// never sees half of one.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dataContext } from "../benchmarks/data-dir.ts";
import type { RunCell } from "../eval/cells.ts";
import { runExperiment } from "../eval/run-experiment.ts";
import { SampleError } from "../errors.ts";
import { loadExperiment, type Experiment, type ResolvedModel } from "../experiments/load.ts";
import { profileHash } from "../models/profile.ts";
import { Database, type Cell, type Schema } from "../duckdb/database.ts";
import { encodeSampleImage } from "../models/images.ts";
import { sha256 } from "../provenance.ts";
import { environmentFingerprint } from "./freshness.ts";
import { runInputsHash } from "./run-inputs.ts";
import { handedStudyDir, type SiteExperiment, type SiteRun } from "./study-files.ts";
import { PROJECT_DIR, SITE_CACHE_DIR } from "./paths.ts";
import { publishedPaths } from "./published-paths.ts";

/**
 * The experiments the site shows, in order: the offline demo, then the study when configured; then
 * the fine-tuning comparison's simulated demo and the comparison itself when configured.
 */
export const SITE_EXPERIMENTS: readonly SiteExperiment[] = ["demo", "paper", "finetune-demo", "finetune"];

/**
 * Benchmarks whose images thinksafe itself ships or draws (FigStep's renders of MIT-licensed
 * SafeBench, the synthetic capability set): the site publishes these. Images from a user's copy
 * (MM-SafetyBench, SIUO, …) carry their own licenses, so a published site includes them only when
 * the build is run with THINKSAFE_PUBLISH_USER_IMAGES=1; otherwise the browser says "not published".
 */
const OWN_IMAGES = new Set(["figstep", "synthetic-shapes"]);

export function publishesImages(sample: { benchmark: string }, env: NodeJS.ProcessEnv = process.env): boolean {
  return OWN_IMAGES.has(sample.benchmark) || env.THINKSAFE_PUBLISH_USER_IMAGES === "1";
}

/** Longest side of the sample browser's images: enough to read a typographic attack. */
const THUMBNAIL_SIDE = 384;

const STUDY_ROOT = join(PROJECT_DIR, ".thinksafe", "site-study");

/** The folder holding `<experiment>/<table>.parquet` for the current inputs, computing it if needed. */
export async function siteStudy(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<string> {
  // `npm run build` computes it before Framework starts and hands the folder to every loader.
  const handed = handedStudyDir();
  if (handed) return handed;
  const key = sha256(`${await runInputsHash(PROJECT_DIR)}\n${environmentFingerprint()}`).slice(0, 16);
  const dir = join(STUDY_ROOT, key);
  if (existsSync(join(dir, "runs.json"))) return dir;
  await mkdir(STUDY_ROOT, { recursive: true });
  const temporary = join(STUDY_ROOT, `.tmp-${process.pid}-${Date.now()}`);
  try {
    const runs: SiteRun[] = [];
    for (const id of SITE_EXPERIMENTS) runs.push(await runSiteExperiment(id, join(temporary, id), log));
    await writeFile(join(temporary, "runs.json"), `${JSON.stringify(runs, null, 2)}\n`);
    // Another loader may have finished the same folder first; its content is the same.
    await rename(temporary, dir).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(dir, "runs.json"))) throw error;
    });
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  // Folders of earlier inputs are never read again.
  for (const entry of await readdir(STUDY_ROOT)) {
    if (entry !== key && !entry.startsWith(".tmp-")) await rm(join(STUDY_ROOT, entry), { recursive: true, force: true });
  }
  return dir;
}

async function runSiteExperiment(id: SiteExperiment, outDir: string, log: (line: string) => void): Promise<SiteRun> {
  const experiment = await loadExperiment(join(PROJECT_DIR, "experiments", `${id}.yaml`));
  log(`[site] ${id}: ${experiment.models.length} models, ${experiment.spec.benchmarks.length} benchmarks`);
  const thumbnails = new Map<string, string>();
  const data = dataContext(undefined, experiment.dataDir);
  await runExperiment(experiment, {
    outDir,
    onSamples: async (samples) => {
      for (const image of samples.flat().filter((sample) => publishesImages(sample)).flatMap((sample) => sample.images)) {
        if (thumbnails.has(image.sha256) || image.unusable) continue;
        // An image that fails the check (not an image, too many pixels) gets no thumbnail: its rows carry the error.
        const thumbnail = await encodeSampleImage(image, { maxSide: THUMBNAIL_SIDE, maxPixels: experiment.limits.maxImagePixels }).catch((error: unknown) => {
          if (error instanceof SampleError) return undefined;
          throw error;
        });
        if (thumbnail) thumbnails.set(image.sha256, thumbnail.dataUri);
      }
    },
    cacheDir: SITE_CACHE_DIR,
    data,
    missing: "record",
    log: (line) => log(`[site] ${id}: ${line}`),
  });
  // Keyed by the sha256 responses.image_sha256 lists, sorted so the file's bytes are stable.
  const images = Object.fromEntries([...thumbnails].sort(([a], [b]) => (a < b ? -1 : 1)));
  await writeFile(join(outDir, "images.json"), JSON.stringify(images));
  const manifest = JSON.parse(await readFile(join(outDir, "manifest.json"), "utf8")) as { cells: RunCell[] };
  // Published: the reasons name files relative to the data folder and the project, never this machine's layout.
  const roots = { dataDir: data.dataDir, projectDir: PROJECT_DIR };
  const run: SiteRun = {
    experiment_id: id,
    experiment_hash: experiment.hash,
    is_simulated: isSimulated(experiment),
    cells: manifest.cells.map((cell) => ({ ...cell, reason: cell.reason === null ? null : publishedPaths(cell.reason, roots) })),
    unconfigured_judges: Object.fromEntries(Object.entries(experiment.unconfiguredJudges).map(([judge, why]) => [judge, publishedPaths(why, roots)])),
  };
  await writeModelProfiles(outDir, experiment, run);
  return run;
}

function isSimulated(experiment: Experiment): boolean {
  return experiment.models.every((m) => m.simulated) && experiment.spec.judges.every((j) => j.simulated || !j.model);
}

/** `model_profiles.parquet`: each model of the experiment with its profile, whether its format is confirmed and whether its thinking can be separated, and why not. */
async function writeModelProfiles(outDir: string, experiment: Experiment, run: SiteRun): Promise<void> {
  const db = await Database.open();
  try {
    const rows = experiment.models.map((m) => modelProfileRow(run, m));
    await db.createTable("model_profiles", MODEL_PROFILES_SCHEMA, rows.map((row) => Object.keys(MODEL_PROFILES_SCHEMA).map((c) => row[c as keyof typeof MODEL_PROFILES_SCHEMA])));
    await db.writeParquet("SELECT * FROM model_profiles", join(outDir, "model_profiles.parquet"));
  } finally {
    db.close();
  }
}

export const MODEL_PROFILES_SCHEMA = {
  experiment_id: "VARCHAR",
  is_simulated: "BOOLEAN",
  model_id: "VARCHAR",
  model: "VARCHAR",
  base_model_id: "VARCHAR",
  profile: "VARCHAR",
  family: "VARCHAR",
  /** markup (the family's markers), heuristic (named as such in reasoning_source) or none (the whole output is the answer). */
  thinking_separation: "VARCHAR",
  /** Why the thinking cannot be separated, or how the heuristic works; NULL for markup. */
  thinking_note: "VARCHAR",
  /** No part of the profile is unconfirmed. */
  is_format_confirmed: "BOOLEAN",
  unconfirmed: "VARCHAR",
  sources: "VARCHAR",
  profile_sha256: "VARCHAR",
} as const satisfies Schema;

function modelProfileRow(run: SiteRun, m: ResolvedModel): Record<keyof typeof MODEL_PROFILES_SCHEMA, Cell> {
  const { profile } = m;
  return {
    experiment_id: run.experiment_id,
    is_simulated: run.is_simulated,
    model_id: m.id,
    model: m.model,
    base_model_id: m.base,
    profile: profile.id,
    family: profile.family,
    thinking_separation: profile.separation.kind,
    thinking_note: profile.separation.kind === "markup" ? null : profile.separation.note,
    is_format_confirmed: profile.unconfirmed.length === 0,
    unconfirmed: profile.unconfirmed.join("; ") || null,
    sources: profile.sources.map((s) => `${s.ref}${s.checked ? "" : " (from notes)"}`).join("\n"),
    profile_sha256: profileHash(profile),
  };
}
