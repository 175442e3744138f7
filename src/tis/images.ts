// The images of exported records: finding them on disk (a missing one is an error naming the record
// and path, or the record is skipped and counted when the user asks), what their bytes are (format,
// size, colour mode, from the headers alone), and making them acceptable to OpenAI's vision
// fine-tuning (JPEG, PNG or WebP in RGB or RGBA, at most 10 MB) by re-encoding only when needed.
import { createCanvas, loadImage, type Image } from "@napi-rs/canvas";
import { isAbsolute, resolve } from "node:path";
import { DataError } from "../errors.ts";
import { isPresent } from "../benchmarks/user-images.ts";
import type { TisRecord } from "./record.ts";

export interface LocatedRecord {
  record: TisRecord;
  /** Absolute paths of the record's images, in order. */
  files: string[];
}

export interface SkippedRecord {
  index: number;
  id: string;
  /** The first of its images that is missing (absolute path). */
  missing: string;
}

export interface ImageLocation {
  /** The folder image paths are relative to. */
  imagesDir: string;
  /** The input file, named in errors. */
  inputFile: string;
  /** Leave out records with a missing image (and report them) instead of failing. */
  skipMissing?: boolean;
}

/**
 * Every record with its images' absolute paths, checking only that each file exists. Without
 * `skipMissing` the first record with a missing image is a DataError naming its row, field and path
 * (and how many other records miss images); with it, such records are returned as skipped.
 */
export function locateImages(records: readonly TisRecord[], location: ImageLocation): { kept: LocatedRecord[]; skipped: SkippedRecord[] } {
  const kept: LocatedRecord[] = [];
  const skipped: SkippedRecord[] = [];
  let firstError: DataError | undefined;
  for (const record of records) {
    const files = record.images.map((image) => (isAbsolute(image) ? image : resolve(location.imagesDir, image)));
    const missingAt = files.findIndex((file) => !isPresent(file));
    if (missingAt < 0) {
      kept.push({ record, files });
      continue;
    }
    skipped.push({ index: record.index, id: record.id, missing: files[missingAt]! });
    firstError ??= new DataError(
      { file: location.inputFile, row: record.index, column: `images[${missingAt}]` },
      `record ${record.id}: image not found: ${files[missingAt]}`,
      `put the image there, point --images-dir at the folder its path "${record.images[missingAt]}" is relative to, or pass --skip-missing to leave such records out`,
    );
  }
  if (firstError && !location.skipMissing) {
    const others = skipped.length - 1;
    if (others === 0) throw firstError;
    throw new DataError(firstError.location, `${firstError.problem} (and ${others} more record${others === 1 ? "" : "s"} with missing images)`, firstError.fix);
  }
  return { kept, skipped };
}

export type ImageFormat = "png" | "jpeg" | "webp" | "gif" | "other";
/** PIL's names for the colour modes OpenAI's rules speak of ("RGB or RGBA"). */
export type ColorMode = "RGB" | "RGBA" | "L" | "LA" | "P" | "CMYK" | "unknown";

export interface ImageFacts {
  format: ImageFormat;
  width: number | null;
  height: number | null;
  colorMode: ColorMode;
  bytes: number;
}

/** Format, size and colour mode from an image's header; nothing is decoded. */
export function imageFacts(bytes: Buffer): ImageFacts {
  const base = { bytes: bytes.length };
  if (bytes.length >= 26 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString("latin1", 12, 16) === "IHDR") {
    const colorType = bytes[25];
    const mode: ColorMode = colorType === 2 ? "RGB" : colorType === 6 ? "RGBA" : colorType === 0 ? "L" : colorType === 4 ? "LA" : colorType === 3 ? "P" : "unknown";
    return { ...base, format: "png", width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colorMode: mode };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ...base, format: "jpeg", ...jpegFrame(bytes) };
  if (bytes.length >= 16 && bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") {
    return { ...base, format: "webp", ...webpFrame(bytes) };
  }
  if (bytes.toString("latin1", 0, 4) === "GIF8") return { ...base, format: "gif", width: null, height: null, colorMode: "P" };
  return { ...base, format: "other", width: null, height: null, colorMode: "unknown" };
}

/** Size and components of the first start-of-frame segment: 1 component is L, 3 RGB (YCbCr), 4 CMYK. */
function jpegFrame(bytes: Buffer): Pick<ImageFacts, "width" | "height" | "colorMode"> {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) break;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
    } else if (marker === 0xda || marker === 0xd9) {
      break;
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (offset + 10 > bytes.length) break;
      const components = bytes[offset + 9];
      const colorMode: ColorMode = components === 3 ? "RGB" : components === 1 ? "L" : components === 4 ? "CMYK" : "unknown";
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7), colorMode };
    } else {
      offset += 2 + bytes.readUInt16BE(offset + 2);
    }
  }
  return { width: null, height: null, colorMode: "unknown" };
}

/** WebP's lossy (VP8), lossless (VP8L) and extended (VP8X) headers; WebP decodes to RGB or RGBA. */
function webpFrame(bytes: Buffer): Pick<ImageFacts, "width" | "height" | "colorMode"> {
  const chunk = bytes.toString("latin1", 12, 16);
  if (chunk === "VP8X" && bytes.length >= 30) {
    const hasAlpha = (bytes[20]! & 0x10) !== 0;
    return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3), colorMode: hasAlpha ? "RGBA" : "RGB" };
  }
  if (chunk === "VP8L" && bytes.length >= 25) {
    const bits = bytes.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff), colorMode: (bits >> 28) & 1 ? "RGBA" : "RGB" };
  }
  if (chunk === "VP8 " && bytes.length >= 30) {
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff, colorMode: "RGB" };
  }
  return { width: null, height: null, colorMode: "unknown" };
}

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
export async function prepareOpenAiImage(original: Buffer, file: string, options: { maxSide?: number } = {}): Promise<PreparedImage> {
  const facts = imageFacts(original);
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
  const canvas = createCanvas(width, height);
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
    return await loadImage(bytes);
  } catch (error) {
    throw new DataError({ file }, `cannot decode the image (${imageFacts(bytes).format}): ${error instanceof Error ? error.message : String(error)}`, "replace it with a JPEG, PNG or WebP file");
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
