// Where a sample's images are: files, referenced by path and sha256, never held by the sample. A
// user's image is hashed once (streamed) and its hash remembered by its stamp (hash-index.ts); an
// image thinksafe draws (FigStep's typographic images, …) is drawn once and kept in the render
// cache, content-addressed by everything that determines its pixels, so a second run draws nothing.
// Bytes are read only when a request is built (`readImage`), checked against the hash the request
// was keyed on, and dropped once it is answered: memory follows the requests in flight.
//
// The store lives in the cache folder (`<cache>/images/`: `hashes/` and `renders/`), beside the
// response cache, so `--cache` and copying cache folders cover it too.
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, type BigIntStats } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import type { SampleImage } from "./sample-image.ts";
import { canonicalJson } from "../canonical.ts";
import { DataError, SampleError } from "../errors.ts";
import { megabytes } from "../limits.ts";
import { installedVersion, sha256 } from "../provenance.ts";
import { hashFile, stampOf, type FileStamp } from "./file-hash.ts";
import { HashIndex, isRacy, SETTLED_MS } from "./hash-index.ts";

/** What determines a drawn image's pixels; its hash names the file in the render cache. */
export interface RenderRecipe {
  /** The drawing code, e.g. "figstep". */
  renderer: string;
  /** Bumped whenever the drawing changes, so earlier renders stop matching. */
  version: number;
  /** Everything else the pixels depend on: text, size, the font file's sha256, a source image's sha256. */
  inputs: Record<string, unknown>;
}

/** The default cache folder, as the command line resolves it. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.THINKSAFE_CACHE_DIR || join(".thinksafe", "cache"));
}

const stores = new Map<string, ImageStore>();
/** Numbers this process's temporary files, so concurrent renders of one recipe never share one. */
let written = 0;

export class ImageStore {
  private readonly index: HashIndex;
  private readonly rendersDir: string;
  /** What this process did: files hashed, hashes taken from the index, images drawn, renders reused. */
  readonly counts = { hashed: 0, known: 0, rendered: 0, reused: 0 };

  readonly dir: string;

  /** A store of its own over a cache folder's images/ (as a new process sees it); `of` shares one per folder. */
  constructor(cacheDir: string) {
    this.dir = join(resolve(cacheDir), "images");
    this.index = new HashIndex(join(this.dir, "hashes"));
    this.rendersDir = join(this.dir, "renders");
  }

  /** The store of a cache folder, one per folder and process, so its index is loaded once. */
  static of(cacheDir: string = defaultCacheDir()): ImageStore {
    const dir = resolve(cacheDir);
    let store = stores.get(dir);
    if (!store) stores.set(dir, (store = new ImageStore(dir)));
    return store;
  }

  /** Closes the index segment being written (a store goes on working after it). */
  close(): void {
    this.index.close();
  }

  /**
   * The user's file as a sample image: its sha256 from the index when the file's stamp is unchanged,
   * else read once, streamed, and remembered. A file that cannot be read is a DataError naming it.
   * `lstat`: the file's metadata when the caller has it already (one system call a file less).
   */
  async file(path: string, name: string, lstat?: BigIntStats): Promise<SampleImage> {
    const absolute = resolve(path);
    let known: string | undefined;
    let stamp: FileStamp;
    try {
      // The caller's lstat is the file's stat unless the file is a link.
      stamp = stampOf(lstat && !lstat.isSymbolicLink() ? lstat : statSync(absolute, { bigint: true }));
      known = this.index.get(absolute, stamp);
    } catch (error) {
      throw unreadable(absolute, error);
    }
    if (known !== undefined) {
      this.counts.known++;
      vouched.set(absolute, { sha256: known, stamp });
      return { name, path: absolute, sha256: known };
    }
    let hashed: ReturnType<typeof hashFile>;
    try {
      hashed = hashFile(absolute);
    } catch (error) {
      throw unreadable(absolute, error);
    }
    this.index.set(absolute, hashed.stamp, hashed.sha256, hashed.startedMs);
    if (!isRacy({ mtimeNs: hashed.stamp.mtimeNs, hashedAtMs: hashed.startedMs })) vouched.set(absolute, { sha256: hashed.sha256, stamp: hashed.stamp });
    this.counts.hashed++;
    return { name, path: absolute, sha256: hashed.sha256 };
  }

  /**
   * The images a recipe draws, one per name (in order; each name's extension is its file's): from the
   * render cache when all are there, else drawn by `draw` and written, each under a temporary name
   * then renamed, so a reader never finds half an image.
   */
  async rendered(recipe: RenderRecipe, names: readonly string[], draw: () => Buffer[] | Promise<Buffer[]>): Promise<SampleImage[]> {
    const key = renderKey(recipe);
    const paths = names.map((name, k) => join(this.rendersDir, `${key}${names.length > 1 ? `-${k + 1}` : ""}${extname(name) || ".png"}`));
    if (paths.every(isFile)) {
      this.counts.reused += paths.length;
      return Promise.all(paths.map((path, k) => this.file(path, names[k]!)));
    }
    const images = await draw();
    if (images.length !== names.length) throw new Error(`${recipe.renderer} drew ${images.length} images for ${names.length} names`);
    await mkdir(this.rendersDir, { recursive: true });
    this.counts.rendered += images.length;
    return Promise.all(
      images.map(async (bytes, k) => {
        const path = paths[k]!;
        const temporary = `${path}.${process.pid}-${++written}.tmp`;
        await writeFile(temporary, bytes);
        await rename(temporary, path);
        const hash = sha256(bytes);
        const stamp = stampOf(statSync(path, { bigint: true }));
        // Not racy: these are the bytes written, renamed into place whole, not bytes read while a
        // writer might still be at work; the entry counts as hashed once the mtime's tick is over.
        this.index.set(path, stamp, hash, Number(stamp.mtimeNs / 1_000_000n) + SETTLED_MS);
        vouched.set(path, { sha256: hash, stamp });
        return { name: names[k]!, path, sha256: hash };
      }),
    );
  }
}

/** The render cache's name for a recipe: its canonical JSON with the canvas library's version, hashed. */
export function renderKey(recipe: RenderRecipe): string {
  return sha256(canonicalJson({ ...recipe, canvas: canvasVersion() }));
}

const shippedHashes = new Map<string, string>();
/** The sha256 of a file that ships with thinksafe (a font a renderer draws with), read once a process. */
export function shippedFileSha256(file: string): string {
  let hash = shippedHashes.get(file);
  if (hash === undefined) shippedHashes.set(file, (hash = sha256(readFileSync(file))));
  return hash;
}

let canvas: string | undefined;
/** Skia's anti-aliasing may change between versions of the canvas library: renders are keyed by it. */
function canvasVersion(): string {
  return (canvas ??= installedVersion("@napi-rs/canvas"));
}

/**
 * Files whose hash this process knows from a settled stamp (the index's, or its own reading or
 * writing): while a file keeps that stamp, its bytes are the ones hashed, as the index assumes
 * across runs. By path, to the hash and stamp.
 */
const vouched = new Map<string, { sha256: string; stamp: FileStamp }>();

/**
 * An image's bytes for a request, read now and checked against the sha256 the request was keyed
 * on: by the file's stamp when it is the one its hash was known by (no second hashing of every
 * image a run sends), else by hashing the bytes read. A file changed or gone since the samples
 * were loaded fails its sample's rows (`image_changed`, `image_unreadable`), as a bad image does,
 * rather than sending bytes the cache key does not name.
 */
export async function readImage(image: Pick<SampleImage, "name" | "path" | "sha256">, options: { maxBytes?: number } = {}): Promise<Buffer> {
  let bytes: Buffer;
  let stamp: FileStamp;
  // Errors name the image as the sample does, not where this machine keeps it.
  const file = image.name;
  try {
    // Synchronously: a few system calls, not thread-pool round trips (see file-hash.ts).
    const fd = openSync(image.path, "r");
    try {
      stamp = stampOf(fstatSync(fd, { bigint: true }));
      if (options.maxBytes !== undefined && stamp.size > options.maxBytes) {
        throw new SampleError(
          "image_too_large",
          { file },
          `${megabytes(stamp.size)} is more than any image within the pixel limit takes (${megabytes(options.maxBytes)}); it was not read`,
          "replace it with the image itself, or raise limits.image_megapixels",
        );
      }
      bytes = readWhole(fd, stamp.size);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof SampleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new SampleError("image_unreadable", { file }, `cannot be read now (${code ?? String(error)}), though it could when the samples were loaded`, "restore the file and run again");
  }
  const known = vouched.get(image.path);
  if (known && known.sha256 === image.sha256 && sameStamp(known.stamp, stamp)) return bytes;
  const now = sha256(bytes);
  if (now !== image.sha256) {
    throw new SampleError(
      "image_changed",
      { file },
      `changed since the samples were loaded (sha256 ${now.slice(0, 12)}… now, ${image.sha256.slice(0, 12)}… then)`,
      "run again: the rerun keys its requests on the image as it is now",
    );
  }
  return bytes;
}

/** Where reads past a file's stat land: a shared buffer, since they almost never find anything. */
const PAST_END = Buffer.allocUnsafe(64 * 1024);

/** The file's bytes, `size` of them expected (a file that shrank or grew since its stat is read to its end). */
function readWhole(fd: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const read = readSync(fd, bytes, filled, size - filled, null);
    if (read === 0) return bytes.subarray(0, filled);
    filled += read;
  }
  const more: Buffer[] = [];
  for (let read; (read = readSync(fd, PAST_END, 0, PAST_END.length, null)) > 0; ) more.push(Buffer.from(PAST_END.subarray(0, read)));
  return more.length === 0 ? bytes : Buffer.concat([bytes, ...more]);
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function unreadable(file: string, error: unknown): DataError {
  const code = (error as NodeJS.ErrnoException).code;
  return new DataError({ file }, code === "ENOENT" ? "image not found" : `cannot read image (${code ?? String(error)})`);
}

/** The store a benchmark load uses: the one its context names, else the default cache folder's. */
export function imageStoreOf(context: { images?: ImageStore } | undefined): ImageStore {
  return context?.images ?? ImageStore.of();
}
