// The images of exported records: finding them on disk (a missing one is an error naming the record
// and path, or the record is skipped and counted when the user asks), what their bytes are (format,
// size, colour mode, from the headers alone), and making them acceptable to OpenAI's vision
// fine-tuning (JPEG, PNG or WebP in RGB or RGBA, at most 10 MB) by re-encoding only when needed.
import type { Image } from "@napi-rs/canvas";
import { skia } from "../images/canvas.ts";
import { open, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { DataError, SampleError } from "../errors.ts";
import { checkImage, imageFacts } from "../models/image-check.ts";
import type { TisRecord } from "./record.ts";

export interface LocatedRecord {
  record: TisRecord;
  /** Absolute paths of the record's images, in order (each checked: see locateImages). */
  files: string[];
}

export interface SkippedRecord {
  index: number;
  id: string;
  /** The first of its images that cannot be used (absolute path). */
  missing: string;
  /** Why: not found, a link leading out of the images folder, not an image, too many pixels. */
  problem: string;
}

export interface ImageLocation {
  /** The folder image paths are relative to. */
  imagesDir: string;
  /** The input file, named in errors. */
  inputFile: string;
  /** Leave out records with a missing or unusable image (and report them) instead of failing. */
  skipMissing?: boolean;
  /** Most pixels an image may have (checkImage's default when unset). */
  maxPixels?: number;
}

/** Bytes read from each image to find its size: a JPEG's frame header may follow a large EXIF block. */
const HEADER_BYTES = 1024 * 1024;

/**
 * Every record with its images' real paths. Each image must exist, stay inside the images folder
 * once symbolic links are resolved (a path relative to it) or inside its own folder (an absolute
 * path), and be an image whose header gives a size within `maxPixels`, read from its header
 * alone. Without `skipMissing` the first record failing that is a DataError naming its row, field,
 * path and problem (and how many other records fail); with it, such records are returned as skipped.
 */
export async function locateImages(records: readonly TisRecord[], location: ImageLocation): Promise<{ kept: LocatedRecord[]; skipped: SkippedRecord[] }> {
  const kept: LocatedRecord[] = [];
  const skipped: SkippedRecord[] = [];
  const imagesRoot = await realpath(location.imagesDir).catch(() => resolve(location.imagesDir));
  const checked = new Map<string, Promise<{ file: string } | { problem: string }>>();
  let firstError: DataError | undefined;
  for (const record of records) {
    const files: string[] = [];
    let failure: { at: number; path: string; problem: string } | undefined;
    for (const [j, image] of record.images.entries()) {
      const path = isAbsolute(image) ? image : resolve(location.imagesDir, image);
      let outcome = checked.get(path);
      if (!outcome) {
        outcome = usableImage(path, isAbsolute(image) ? null : imagesRoot, location.maxPixels);
        checked.set(path, outcome);
      }
      const result = await outcome;
      if ("problem" in result) {
        failure = { at: j, path, problem: result.problem };
        break;
      }
      files.push(path);
    }
    if (!failure) {
      kept.push({ record, files });
      continue;
    }
    skipped.push({ index: record.index, id: record.id, missing: failure.path, problem: failure.problem });
    firstError ??= new DataError(
      { file: location.inputFile, row: record.index, column: `images[${failure.at}]` },
      `record ${record.id}: image ${failure.problem}: ${failure.path}`,
      failure.problem === "not found"
        ? `put the image there, point --images-dir at the folder its path "${record.images[failure.at]}" is relative to, or pass --skip-missing to leave such records out`
        : "replace the file, or pass --skip-missing to leave such records out",
    );
  }
  if (firstError && !location.skipMissing) {
    const others = skipped.length - 1;
    if (others === 0) throw firstError;
    throw new DataError(firstError.location, `${firstError.problem} (and ${others} more record${others === 1 ? "" : "s"} with missing or unusable images)`, firstError.fix);
  }
  return { kept, skipped };
}

/** The image's real path when it can be exported, or why not. `root`: the folder it must stay in (else its own). */
async function usableImage(path: string, root: string | null, maxPixels: number | undefined): Promise<{ file: string } | { problem: string }> {
  let file: string;
  try {
    file = await realpath(path);
  } catch {
    return { problem: "not found" };
  }
  if (!(await stat(file)).isFile()) return { problem: "not found (not a file)" };
  const folder = root ?? (await realpath(dirname(path)));
  if (!isInside(file, folder)) return { problem: `is a symbolic link leading out of ${root ? "the images folder" : "its folder"} (to ${file})` };
  try {
    checkImage(await readHead(file), path, { ...(maxPixels !== undefined && { maxPixels }) });
  } catch (error) {
    if (error instanceof SampleError) return { problem: error.kind === "image_too_large" ? `is too large: ${error.problem}` : `is unusable: ${error.problem}` };
    throw error;
  }
  return { file };
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isInside(file: string, folder: string): boolean {
  const path = relative(folder, file);
  return path !== "" && !path.startsWith("..") && !isAbsolute(path);
}

export { imageFacts, type ColorMode, type ImageFacts, type ImageFormat } from "../models/image-check.ts";
import type { ImageFormat, ColorMode } from "../models/image-check.ts";

/** OpenAI's vision fine-tuning image rules (platform.openai.com/docs/guides/vision-fine-tuning, "Image data requirements"). */
export const OPENAI_IMAGE_RULES = {
  formats: ["jpeg", "png", "webp"] as readonly ImageFormat[],
  colorModes: ["RGB", "RGBA"] as readonly ColorMode[],
  maxBytes: 10 * 1024 * 1024,
} as const;

export const MIME: Record<"png" | "jpeg" | "webp", string> = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp" };

export interface PreparedImage {
  bytes: Buffer;
  format: "png" | "jpeg" | "webp";
  width: number | null;
  height: number | null;
  /** Why the bytes were re-encoded, or null when they are the original file's. */
  converted: string | null;
}

const JPEG_QUALITY = 90;

/**
 * The image as OpenAI accepts it. The original bytes when they already qualify (and fit `maxSide`);
 * otherwise decoded and re-encoded: other formats and colour modes as RGBA PNG, anything still over
 * 10 MB as JPEG at quality 90, and with `maxSide` scaled so its longest side fits. Skia encodes
 * deterministically, so the same file always gives the same bytes. An image that cannot be decoded,
 * or stays over 10 MB, is a DataError naming it.
 */
export async function prepareOpenAiImage(original: Buffer, file: string, options: { maxSide?: number; maxPixels?: number } = {}): Promise<PreparedImage> {
  // Before anything is decoded: a small file can claim more pixels than memory holds.
  const facts = checkImage(original, file, { ...(options.maxPixels !== undefined && { maxPixels: options.maxPixels }) });
  const tooLong = options.maxSide !== undefined && facts.width !== null && facts.height !== null && Math.max(facts.width, facts.height) > options.maxSide;
  const reasons: string[] = [];
  if (!OPENAI_IMAGE_RULES.formats.includes(facts.format)) reasons.push(`format ${facts.format}`);
  else if (!OPENAI_IMAGE_RULES.colorModes.includes(facts.colorMode)) reasons.push(`colour mode ${facts.colorMode}`);
  if (tooLong) reasons.push(`longer than ${options.maxSide} px`);
  if (facts.bytes > OPENAI_IMAGE_RULES.maxBytes) reasons.push(`${megabytes(facts.bytes)}, over 10 MB`);
  if (reasons.length === 0) {
    return { bytes: original, format: facts.format as PreparedImage["format"], width: facts.width, height: facts.height, converted: null };
  }
  const image = await decode(original, file);
  const scale = tooLong ? options.maxSide! / Math.max(image.width, image.height) : 1;
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const canvas = skia().createCanvas(width, height);
  const context = canvas.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  context.drawImage(image, 0, 0, width, height);
  // An RGB JPEG stays a JPEG; everything else becomes an RGBA PNG, or a JPEG when that is over 10 MB.
  let format: "png" | "jpeg" = facts.format === "jpeg" && facts.colorMode === "RGB" ? "jpeg" : "png";
  let bytes = format === "png" ? await canvas.encode("png") : await canvas.encode("jpeg", JPEG_QUALITY);
  if (bytes.length > OPENAI_IMAGE_RULES.maxBytes && format === "png") {
    format = "jpeg";
    bytes = await canvas.encode("jpeg", JPEG_QUALITY);
  }
  if (bytes.length > OPENAI_IMAGE_RULES.maxBytes) {
    throw new DataError({ file }, `still ${megabytes(bytes.length)} after re-encoding as JPEG; OpenAI accepts images up to 10 MB`, "pass --max-side 2048 (or smaller) to scale images down");
  }
  return { bytes, format, width, height, converted: reasons.join(", ") };
}

async function decode(bytes: Buffer, file: string): Promise<Image> {
  try {
    return await skia().loadImage(bytes);
  } catch (error) {
    throw new DataError({ file }, `cannot decode the image (${imageFacts(bytes).format}): ${error instanceof Error ? error.message : String(error)}`, "replace it with a JPEG, PNG or WebP file");
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
