// Images that come from the user's own copy of a benchmark (`<dataDir>/<benchmark id>/…`), for
// benchmarks whose images thinksafe may not ship, and the JSON metadata files that list them.
// Shared so every such benchmark reports a missing data folder, missing files, unreadable images
// and malformed metadata alike.
import { lstatSync, realpathSync, statSync, type BigIntStats } from "node:fs";
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { readTextFile } from "../datasets/input.ts";
import { DataError } from "../errors.ts";
import { imageStoreOf } from "../images/store.ts";
import type { DataContext, Inventory, SampleImage } from "./sample.ts";

/** How the user names the data folder, for error messages. */
export const DATA_DIR_HINT = "give one with --data-dir DIR, the experiment's data_dir, or THINKSAFE_DATA_DIR";

/** Stands for the data folder in the paths `inventory` reports when none is given. */
export const DATA_DIR_PLACEHOLDER = "<data-dir>";

/** How many missing paths a load error lists before "and N more". */
const MISSING_SHOWN = 5;

/**
 * Checks a path taken from a metadata file: relative, and staying inside the folder it is joined to
 * (no `..`), so a metadata file cannot point the loader anywhere else on disk.
 */
export function isSafeRelativePath(path: string): boolean {
  if (path === "" || isAbsolute(path) || path.includes("\\") || path.includes("\0")) return false;
  const normal = normalize(path);
  return normal !== ".." && !normal.startsWith(`..${sep}`);
}

/**
 * Where the user's copy of `relative` lives: `<dataDir>/<benchmarkId>/<relative>`, or the same under
 * `<data-dir>` when no data folder is given (for reporting only).
 */
export function userImagePath(context: DataContext | undefined, benchmarkId: string, relative: string): string {
  return join(context?.dataDir ?? DATA_DIR_PLACEHOLDER, benchmarkId, relative);
}

/** Whether `file` is a regular file; reads nothing but its metadata. */
export function isPresent(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface ImageCensus {
  /** Distinct files referenced. */
  files: string[];
  present: number;
  missing: string[];
}

/**
 * Which of `files` exist, counting each distinct file once, in first-seen order. Without a data
 * folder nothing is looked up and every file is missing.
 */
export function censusImages(context: DataContext | undefined, files: readonly string[]): ImageCensus {
  const distinct = [...new Set(files)];
  if (!context?.dataDir) return { files: distinct, present: 0, missing: distinct };
  const missing = distinct.filter((file) => !isPresent(file));
  return { files: distinct, present: distinct.length - missing.length, missing };
}

/**
 * The inventory of a selection from its census. `imagesPresent` / `imagesMissing` count distinct
 * files (samples may share an image); `howToGet` is set when anything is missing, and says first
 * that no data folder was given when none was.
 */
export function imageInventory(subset: string, samples: number, census: ImageCensus, context: DataContext | undefined, howToGet: string): Inventory {
  const missing = census.missing.length;
  return {
    subset,
    samples,
    imagesPresent: census.present,
    imagesMissing: missing,
    missing: census.missing,
    howToGet: missing === 0 ? null : context?.dataDir ? howToGet : `no data folder given (${DATA_DIR_HINT}); ${howToGet}`,
  };
}

/** The data folder, or a DataError saying the benchmark needs one, how to give it and what goes in it. */
export function requireDataDir(context: DataContext | undefined, benchmarkId: string, howToGet: string): string {
  if (context?.dataDir) return context.dataDir;
  throw new DataError(
    { file: `${DATA_DIR_PLACEHOLDER}/${benchmarkId}` },
    `${benchmarkId} needs its images from your own copy, and no data folder was given`,
    `${DATA_DIR_HINT}; ${howToGet}`,
  );
}

/**
 * Throws a DataError at `folder` (where the images belong; else the first missing file) when any file is missing: how many, the
 * first few paths and where upstream distributes them. Does nothing when all are present.
 */
export function assertNoneMissing(benchmarkId: string, census: ImageCensus, howToGet: string, folder?: string): void {
  const { missing, files } = census;
  if (missing.length === 0) return;
  const shown = missing.slice(0, MISSING_SHOWN).join(", ");
  const more = missing.length > MISSING_SHOWN ? ` and ${missing.length - MISSING_SHOWN} more` : "";
  throw new DataError(
    { file: folder ?? missing[0]! },
    `${missing.length} of ${files.length} ${benchmarkId} images are missing: ${shown}${more}`,
    howToGet,
  );
}

/**
 * A user-supplied image found under `within` (the benchmark's data folder), by reference: its hash
 * from the image store's index, or read once to compute it. A missing file, or a symbolic link that
 * leads out of `within`, is a DataError naming it: the data copy is incomplete or unsafe, and the
 * run stops before any request. Whether the bytes are a PNG or JPEG within the pixel limit is
 * checked when they are sent: one that is not fails its sample's rows (`invalid_image`,
 * `image_too_large`; models/image-check.ts) and the run goes on.
 */
export async function readUserImage(file: string, name: string, within: string, context?: DataContext): Promise<SampleImage> {
  return imageStoreOf(context).file(file, name, new InsideCheck(within).assert(file));
}

/**
 * Throws a DataError when `file`, its symbolic links resolved, is not inside `folder` (resolved
 * too, so a data folder that is itself a link works). A file that does not exist is left to the reader.
 */
export async function assertInside(file: string, folder: string): Promise<void> {
  new InsideCheck(folder).assert(file);
}

/**
 * Whether files stay inside a folder once links are resolved, for many files at the cost of one
 * lstat each: a file that is not a link is where its folder's real path says (resolved once per
 * folder); only links are resolved themselves.
 */
class InsideCheck {
  private readonly root: string;
  private readonly folders = new Map<string, string | null>();

  constructor(private readonly folder: string) {
    this.root = realOrResolved(folder);
  }

  /**
   * The file's own metadata (lstat), when it exists; a DataError when it leads out of the folder.
   * `lstat`: the file's metadata when the caller has it already.
   */
  assert(file: string, lstat?: BigIntStats): BigIntStats | undefined {
    const stats = lstat ?? lstatOrUndefined(file);
    if (stats === undefined) return undefined;
    const link = stats.isSymbolicLink();
    let real: string | null;
    if (link) {
      real = realOrNull(file);
    } else {
      const parent = dirname(resolve(file));
      if (!this.folders.has(parent)) this.folders.set(parent, realOrNull(parent));
      const folder = this.folders.get(parent);
      real = folder === null || folder === undefined ? null : join(folder, basename(file));
    }
    if (real === null) return stats;
    const path = relative(this.root, real);
    if (path === "" || path.startsWith("..") || isAbsolute(path)) {
      throw new DataError({ file }, `is a symbolic link leading out of ${this.folder} (to ${real})`, "copy the file into the folder instead of linking to it");
    }
    return stats;
  }
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

function realOrResolved(path: string): string {
  return realOrNull(path) ?? resolve(path);
}

/**
 * A benchmark's user-supplied images for a load, by path (samples that share an image share one
 * reference): every file present, else a DataError listing the missing ones at `missingAt` (as
 * assertNoneMissing); none leading out of `<dataDir>/<benchmarkId>/`; each hashed once or found in
 * the image store's index. One lstat a file answers all three (a link is followed to see that it
 * leads to a file), which at JailBreakV-28K's size is a tenth of a second a load.
 */
export async function loadUserImages(
  benchmarkId: string,
  paths: readonly string[],
  context: DataContext | undefined,
  howToGet: string,
  missingAt: string = userImagePath(context, benchmarkId, ""),
): Promise<Map<string, SampleImage>> {
  const files = [...new Set(paths)];
  const lstats = context?.dataDir ? files.map(lstatOrUndefined) : files.map(() => undefined);
  const missing = files.filter((file, i) => {
    const stats = lstats[i];
    return stats === undefined || (stats.isSymbolicLink() ? !isPresent(file) : !stats.isFile());
  });
  assertNoneMissing(benchmarkId, { files, present: files.length - missing.length, missing }, howToGet, missingAt);
  const inside = new InsideCheck(userImagePath(context, benchmarkId, ""));
  const stats = files.map((file, i) => inside.assert(file, lstats[i]));
  const store = imageStoreOf(context);
  const images = new Map<string, SampleImage>();
  const CONCURRENCY = 8;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) images.set(files[i]!, await store.file(files[i]!, basename(files[i]!), stats[i]));
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return new Map(files.map((file) => [file, images.get(file)!]));
}

function lstatOrUndefined(file: string): BigIntStats | undefined {
  try {
    return lstatSync(file, { bigint: true });
  } catch {
    return undefined;
  }
}

/** One item of a JSON array metadata file, with field readers whose errors name the file, item and field. */
export class JsonItem {
  constructor(
    readonly file: string,
    /** 1-based position in the array. */
    readonly row: number,
    readonly value: Record<string, unknown>,
  ) {}

  /** A DataError at this item's field. */
  fail(field: string, problem: string, fix?: string): never {
    throw new DataError({ file: this.file, row: this.row, column: field }, problem, fix);
  }

  /** A non-empty string field. */
  string(field: string): string {
    const value = this.value[field];
    if (typeof value === "string" && value.trim() !== "") return value;
    return this.fail(field, value === undefined ? "missing field" : `expected a non-empty string, found ${shown(value)}`);
  }

  /** An id: a whole number or a non-empty string, as a string. */
  id(field: string): string {
    const value = this.value[field];
    if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
    if (typeof value === "string" && value.trim() !== "") return value;
    return this.fail(field, value === undefined ? "missing field" : `expected a whole number or a string id, found ${shown(value)}`);
  }

  boolean(field: string): boolean {
    const value = this.value[field];
    if (typeof value === "boolean") return value;
    return this.fail(field, value === undefined ? "missing field" : `expected true or false, found ${shown(value)}`);
  }

  /** A relative path inside the benchmark's data folder. */
  path(field: string): string {
    const value = this.string(field);
    if (isSafeRelativePath(value)) return value;
    return this.fail(field, `expected a relative path inside the data folder, found ${shown(value)}`);
  }

  array(field: string): unknown[] {
    const value = this.value[field];
    if (Array.isArray(value)) return value;
    return this.fail(field, value === undefined ? "missing field" : `expected an array, found ${shown(value)}`);
  }

  object(field: string): Record<string, unknown> {
    const value = this.value[field];
    if (isObject(value)) return value;
    return this.fail(field, value === undefined ? "missing field" : `expected an object, found ${shown(value)}`);
  }
}

/** The items of a JSON file holding an array of objects; a DataError for anything else. */
export async function readJsonItems(file: string, fix?: string): Promise<JsonItem[]> {
  const text = await readTextFile(file, fix);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DataError({ file }, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`, fix);
  }
  if (!Array.isArray(data)) throw new DataError({ file }, `expected a JSON array of items, found ${shown(data)}`, fix);
  if (data.length === 0) throw new DataError({ file }, "the array holds no items", fix);
  return data.map((value, i) => {
    if (!isObject(value)) throw new DataError({ file, row: i + 1 }, `expected an object, found ${shown(value)}`, fix);
    return new JsonItem(file, i + 1, value);
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value for error messages. */
function shown(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value.trim() === "" ? "an empty string" : JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return `${typeof value} ${String(value)}`;
}
