// A run folder holds one experiment's run: manifest.json, responses.parquet and what was derived
// from them (judgments, scores, judge calibration, shard files). Each file says which experiment
// wrote it: the manifest's experiment.hash, and each Parquet file's key-value metadata
// (thinksafe.experiment_hash). `eval --out` refuses a folder holding another experiment's run
// (or a file) before any request, unless forced; `judge`, `stats` and `merge` refuse a folder whose
// files do not belong together, naming each file and the experiment it came from.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { DataError, UsageError } from "../errors.ts";
import type { Experiment } from "../experiments/load.ts";
import { Database } from "../duckdb/database.ts";
import { headerProblem, plainReason } from "../duckdb/parquet-file.ts";

/** The files thinksafe writes into a run folder, by name. */
const RUN_FILE = /^(manifest(\.shard-\d+-of-\d+)?\.json|responses(\.shard-\d+-of-\d+)?\.parquet|judgments\.parquet|scores\.parquet|judge_calibration\.parquet)$/;

/** What one file of a run folder says about the run it belongs to. */
export interface FileStamp {
  /** Its name in the folder. */
  name: string;
  experimentId: string | null;
  hash: string | null;
  /** Why the stamp could not be read (not valid JSON, no thinksafe metadata); null when it was. */
  unreadable: string | null;
}

/** The stamps of the run files in `dir` (all of them, or only `names`), in name order; [] when the folder does not exist. */
export async function readStamps(dir: string, names?: readonly string[]): Promise<FileStamp[]> {
  const present = (await readdir(dir).catch(() => [] as string[])).filter((name) => RUN_FILE.test(name) && (!names || names.includes(name))).sort();
  const stamps: FileStamp[] = [];
  let db: Database | undefined;
  try {
    for (const name of present) {
      const file = join(dir, name);
      if (name.endsWith(".json")) {
        stamps.push(await manifestStamp(file, name));
      } else {
        db ??= await Database.open();
        stamps.push(await parquetStamp(db, file, name));
      }
    }
  } finally {
    db?.close();
  }
  return stamps;
}

async function manifestStamp(file: string, name: string): Promise<FileStamp> {
  try {
    const manifest = JSON.parse(await readFile(file, "utf8")) as { experiment?: { id?: unknown; hash?: unknown } };
    const { id, hash } = manifest.experiment ?? {};
    if (typeof hash !== "string") return { name, experimentId: null, hash: null, unreadable: "it names no experiment hash" };
    return { name, experimentId: typeof id === "string" ? id : null, hash, unreadable: null };
  } catch (error) {
    return { name, experimentId: null, hash: null, unreadable: `it is not valid JSON (${(error as Error).message.split("\n")[0]})` };
  }
}

async function parquetStamp(db: Database, file: string, name: string): Promise<FileStamp> {
  // Judged by the one Parquet check (duckdb/parquet-file.ts); whatever reads the file reports it too.
  const problem = await headerProblem(file);
  if (problem) return { name, experimentId: null, hash: null, unreadable: problem };
  let metadata: Record<string, unknown>[];
  try {
    metadata = await db.rows("SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata($1)", [file]);
  } catch (error) {
    return { name, experimentId: null, hash: null, unreadable: `it cannot be read: ${plainReason(error, file)}` };
  }
  const value = (key: string) => metadataString(metadata.find((row) => row.key === key)?.value);
  const hash = value("thinksafe.experiment_hash");
  const id = value("thinksafe.experiment_id");
  if (typeof hash !== "string") return { name, experimentId: null, hash: null, unreadable: "its metadata names no thinksafe experiment" };
  return { name, experimentId: typeof id === "string" ? id : null, hash, unreadable: null };
}

/**
 * A text value of a file's key-value metadata: written as JSON text (duckdb/database.ts writeParquet),
 * or as the bare string that versions before JSON metadata wrote; undefined when it is neither.
 */
function metadataString(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? parsed : value;
  } catch {
    return value;
  }
}

/** `"demo" (hash 1a2b3c4d5e6f)` */
function experimentLabel(id: string | null, hash: string): string {
  return `${id ? `"${id}"` : "an unnamed experiment"} (hash ${hash.slice(0, 12)})`;
}

/** "manifest.json and responses.parquet are", "judgments.parquet is" */
function theFiles(stamps: readonly FileStamp[]): string {
  const names = stamps.map((s) => s.name);
  const list = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0]!;
  return `${list} ${names.length > 1 ? "are" : "is"}`;
}

/** The folder's files grouped by the experiment hash they carry, in order of first appearance. */
function byHash(stamps: readonly FileStamp[]): Map<string, FileStamp[]> {
  const groups = new Map<string, FileStamp[]>();
  for (const stamp of stamps) if (stamp.hash) groups.set(stamp.hash, [...(groups.get(stamp.hash) ?? []), stamp]);
  return groups;
}

/**
 * Makes `outDir` ready for a run of `experiment`, before any request: it must be a folder (created
 * when missing) that holds no run files of another experiment, nor run files that cannot tell
 * which experiment wrote them. With `force`, such files are allowed; the stale ones are returned
 * so the run can remove them once its own are written.
 */
export async function prepareOutFolder(outDir: string, experiment: Experiment, options: { force?: boolean } = {}): Promise<FileStamp[]> {
  const kind = await stat(outDir).then(
    (s) => (s.isDirectory() ? "folder" : "file"),
    (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? "missing" : error.code === "ENOTDIR" ? "under a file" : `unreadable (${error.code})`),
  );
  if (kind === "file") throw new UsageError(`--out ${outDir} is a file, not a folder: give a folder (it is created when missing)`);
  if (kind === "under a file") throw new UsageError(`--out ${outDir}: a part of that path is a file, not a folder`);
  if (kind.startsWith("unreadable")) throw new UsageError(`--out ${outDir} is ${kind}`);
  if (kind === "missing") return [];
  const stale = (await readStamps(outDir)).filter((s) => s.hash !== experiment.hash);
  if (stale.length === 0 || options.force) return stale;
  const ours = experimentLabel(experiment.id, experiment.hash);
  const lines = [...byHash(stale)].map(([hash, files]) => {
    const id = files[0]!.experimentId;
    const what = id === experiment.id ? `from an earlier version of "${id}" (hash ${hash.slice(0, 12)}; ${experiment.file} now has hash ${experiment.hash.slice(0, 12)})` : `from experiment ${experimentLabel(id, hash)}`;
    return `${theFiles(files)} ${what}`;
  });
  const unknown = stale.filter((s) => s.unreadable);
  if (unknown.length) lines.push(...unknown.map((s) => `${s.name} cannot say which experiment wrote it (${s.unreadable})`));
  throw new UsageError(
    `--out ${outDir} holds another run, not one of ${ours}: ${lines.join("; ")}. Give another --out, or pass --force to replace that run (answers already received stay in the cache)`,
  );
}

/**
 * Checks that the run files `names` present in `runDir` come from one experiment run, and from
 * `expected` when given; a DataError says which file came from which experiment, and what to do.
 */
export async function assertRunBelongsTogether(runDir: string, names: readonly string[], expected?: Experiment): Promise<void> {
  const stamps = (await readStamps(runDir, names)).filter((s) => !s.unreadable);
  const groups = [...byHash(stamps)];
  if (groups.length > 1) {
    const parts = groups.map(([hash, files]) => `${theFiles(files)} from experiment ${experimentLabel(files[0]!.experimentId, hash)}`);
    throw new DataError(
      { file: runDir },
      `its files come from different runs: ${parts.join("; ")}`,
      "rerun the step that wrote the odd file out (thinksafe eval, judge or merge) into this folder, or keep each run in its own folder",
    );
  }
  const [only] = groups;
  if (!expected || !only || only[0] === expected.hash) return;
  const [hash, files] = only;
  const id = files[0]!.experimentId;
  if (id === expected.id) {
    throw new DataError(
      { file: runDir },
      `${theFiles(files)} from an earlier version of ${expected.file} (hash ${hash.slice(0, 12)}; the file now has hash ${expected.hash.slice(0, 12)})`,
      `rerun thinksafe eval ${expected.file} --out ${runDir} first (answers already received come from the cache)`,
    );
  }
  throw new DataError(
    { file: runDir },
    `${theFiles(files)} from experiment ${experimentLabel(id, hash)}, not from ${experimentLabel(expected.id, expected.hash)} (${expected.file})`,
    "give the experiment that wrote this folder, or another folder",
  );
}
