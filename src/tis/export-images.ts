// The images of a LLaMA-Factory or Hugging Face export, placed so the export folder is
// self-contained: copied (default) or linked under DIR/images/, and named in the data by paths
// relative to DIR, so `cp -r` or `rsync` of the folder to a GPU machine keeps every path valid.
// `absolute` leaves them where they are and writes their absolute paths (for a shared file system).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, lstat, mkdir, readlink, rm, stat, symlink } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, posix, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { atomically } from "../atomic-write.ts";
import { DataError } from "../errors.ts";
import type { LocatedRecord } from "./images.ts";

export type ImageMode = "copy" | "link" | "absolute";
export const IMAGE_MODES: readonly ImageMode[] = ["copy", "link", "absolute"];

/** The folder inside an export that holds its images. */
export const IMAGES_FOLDER = "images";

export interface PlacedImage {
  /** As written in the data: relative to the export folder (copy, link) or absolute. */
  path: string;
  sha256: string;
  bytes: number;
}

export interface PlacedImages {
  mode: ImageMode;
  /** Each record's image paths as the data names them, in the order of `kept`. */
  byRecord: string[][];
  /** Every distinct image once, sorted by path (for the export manifest). */
  images: PlacedImage[];
}

/**
 * Where an image goes inside the export, relative to it: the record's own relative path under
 * `images/` (TiS's `images/bad_ads/x.png` stays `images/bad_ads/x.png`), or, for a path that is
 * absolute or climbs out of its folder, `images/external/<sha256 prefix>/<file name>`.
 */
export function exportImagePath(given: string, sha256: string, file: string): string {
  const normalized = posix.normalize(given.split("\\").join("/"));
  const inside = !isAbsolute(given) && !posix.isAbsolute(normalized) && normalized !== ".." && !normalized.startsWith("../") && normalized !== ".";
  if (!inside) return `${IMAGES_FOLDER}/external/${sha256.slice(0, 16)}/${basename(file)}`;
  const withoutPrefix = normalized.startsWith(`${IMAGES_FOLDER}/`) ? normalized.slice(IMAGES_FOLDER.length + 1) : normalized;
  return `${IMAGES_FOLDER}/${withoutPrefix}`;
}

/** Copies or links every record's images into `outDir` (nothing for `absolute`) and returns the paths the data names. */
export async function placeImages(kept: readonly LocatedRecord[], outDir: string, mode: ImageMode, inputFile: string): Promise<PlacedImages> {
  const hashes = new Map<string, { sha256: string; bytes: number }>();
  const facts = async (file: string) => {
    let known = hashes.get(file);
    if (!known) {
      known = await hashFile(file);
      hashes.set(file, known);
    }
    return known;
  };
  // Two different files may not claim one place: the second would overwrite the first's image.
  const claimed = new Map<string, { file: string; sha256: string }>();
  const byRecord: string[][] = [];
  const images = new Map<string, PlacedImage>();
  for (const { record, files } of kept) {
    const paths: string[] = [];
    for (const [i, file] of files.entries()) {
      const { sha256, bytes } = await facts(file);
      if (mode === "absolute") {
        paths.push(file);
        images.set(file, { path: file, sha256, bytes });
        continue;
      }
      const path = exportImagePath(record.images[i]!, sha256, file);
      const owner = claimed.get(path);
      if (owner && owner.sha256 !== sha256) {
        throw new DataError(
          { file: inputFile, row: record.index, column: `images[${i}]` },
          `record ${record.id}: its image ${file} would go to ${path} in the export, where ${owner.file} (different bytes) already goes`,
          "give the images distinct relative paths",
        );
      }
      if (!owner) {
        claimed.set(path, { file, sha256 });
        await (mode === "copy" ? copyInto(file, join(outDir, path), sha256) : linkInto(file, join(outDir, path)));
      }
      paths.push(path);
      images.set(path, { path, sha256, bytes });
    }
    byRecord.push(paths);
  }
  return { mode, byRecord, images: [...images.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  await pipeline(createReadStream(file), async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  });
  return { sha256: hash.digest("hex"), bytes };
}

/** Copies `file` to `target` through a temporary name, unless the same bytes are already there. */
async function copyInto(file: string, target: string, sha256: string): Promise<void> {
  const existing = await lstat(target).catch(() => null);
  if (existing?.isFile() && existing.size === (await stat(file)).size && (await hashFile(target)).sha256 === sha256) return;
  await mkdir(dirname(target), { recursive: true });
  if (existing) await rm(target, { force: true });
  await atomically(target, (temporary) => copyFile(file, temporary));
}

/** A symbolic link at `target` to the absolute `file` (replacing whatever was there). */
async function linkInto(file: string, target: string): Promise<void> {
  const source = resolve(file);
  const existing = await lstat(target).catch(() => null);
  if (existing?.isSymbolicLink() && (await readlink(target)) === source) return;
  await mkdir(dirname(target), { recursive: true });
  if (existing) await rm(target, { force: true });
  await symlink(source, target);
}

/** `path` inside `dir` as the data of an export names it: forward slashes on every system. */
export function posixPath(path: string): string {
  return path.split(sep).join("/");
}
