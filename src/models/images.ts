// Images for multimodal chat requests, as data URIs. Request cache keys include the image hash,
// so the bytes sent must be a pure function of the input: the original bytes when they fit, else
// a deterministic downscale.
import { createCanvas, loadImage, type Image } from "@napi-rs/canvas";
import { DataError, UsageError } from "../errors.ts";
import { sha256 } from "../provenance.ts";

export type ImageMime = "image/png" | "image/jpeg";

export interface EncodedImage {
  dataUri: string;
  mime: ImageMime;
  /** Of the bytes sent. */
  sha256: string;
  /** Of the original bytes. */
  sourceSha256: string;
  width: number;
  height: number;
  resized: boolean;
}

export interface ImageSource {
  bytes: Buffer;
  /** Names the image in errors (a file path or dataset id). */
  name: string;
}

interface Size {
  width: number;
  height: number;
}

const ACCEPTED_FORMATS = "PNG and JPEG are accepted; convert the image to one of them";
const JPEG_QUALITY = 90;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

/** The image format by its magic bytes (names and extensions lie), or null for anything else. */
export function imageMime(bytes: Buffer): ImageMime | null {
  if (startsWith(bytes, PNG_SIGNATURE)) return "image/png";
  if (startsWith(bytes, JPEG_SIGNATURE)) return "image/jpeg";
  return null;
}

/**
 * The image as a data URI. Without maxSide, or when the longest side is at most maxSide, the
 * original bytes are sent untouched; otherwise the image is scaled down, keeping its aspect ratio,
 * so its longest side is maxSide, and re-encoded in its own format (JPEG at quality 90).
 */
export async function encodeImage(source: ImageSource, options: { maxSide?: number } = {}): Promise<EncodedImage> {
  const { maxSide } = options;
  if (maxSide !== undefined && !(Number.isInteger(maxSide) && maxSide > 0)) {
    throw new UsageError(`maxSide must be a positive whole number of pixels, found ${maxSide}`);
  }
  const mime = imageMime(source.bytes);
  if (!mime) {
    throw new DataError({ file: source.name }, `not a PNG or JPEG image (${describeContent(source.bytes)})`, ACCEPTED_FORMATS);
  }
  const size = headerSize(source, mime);
  const sourceSha256 = sha256(source.bytes);
  if (maxSide === undefined || Math.max(size.width, size.height) <= maxSide) {
    return { ...dataUriFields(source.bytes, mime), sourceSha256, ...size, resized: false };
  }
  const image = await decode(source, mime);
  const scaled = scaledSize(image, maxSide);
  const bytes = await drawScaled(image, scaled, mime);
  return { ...dataUriFields(bytes, mime), sourceSha256, ...scaled, resized: true };
}

function dataUriFields(bytes: Buffer, mime: ImageMime): Pick<EncodedImage, "dataUri" | "mime" | "sha256"> {
  return { dataUri: `data:${mime};base64,${bytes.toString("base64")}`, mime, sha256: sha256(bytes) };
}

function headerSize(source: ImageSource, mime: ImageMime): Size {
  const size = mime === "image/png" ? pngSize(source.bytes) : jpegSize(source.bytes);
  if (size) return size;
  const problem =
    mime === "image/png"
      ? "PNG header is truncated or malformed (no IHDR chunk with a width and height)"
      : "JPEG is truncated or malformed (no frame header with a width and height before the image data)";
  throw new DataError({ file: source.name }, problem);
}

/** Width and height from the IHDR chunk, which the PNG format requires first. */
function pngSize(bytes: Buffer): Size | null {
  if (bytes.length < 24 || bytes.toString("latin1", 12, 16) !== "IHDR") return null;
  return positiveSize(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
}

/** Width and height from the first SOF segment, walking the marker segments that precede it. */
function jpegSize(bytes: Buffer): Size | null {
  let offset = 2; // after SOI
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1; // fill byte before a marker
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // TEM and RSTn stand alone, without a length
    } else if (marker === 0xda || marker === 0xd9) {
      return null; // scan data or end of image before any frame header
    } else if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return null;
      return positiveSize(bytes.readUInt16BE(offset + 7), bytes.readUInt16BE(offset + 5));
    } else {
      offset += 2 + bytes.readUInt16BE(offset + 2);
    }
  }
  return null;
}

/** SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function positiveSize(width: number, height: number): Size | null {
  return width > 0 && height > 0 ? { width, height } : null;
}

/** Skia decodes the image; it applies a JPEG's EXIF orientation, so the result is upright. */
async function decode(source: ImageSource, mime: ImageMime): Promise<Image> {
  try {
    return await loadImage(source.bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError({ file: source.name }, `cannot decode the ${mime === "image/png" ? "PNG" : "JPEG"} image: ${reason}`);
  }
}

function scaledSize(image: Size, maxSide: number): Size {
  const scale = maxSide / Math.max(image.width, image.height);
  return {
    width: Math.max(1, Math.round(image.width * scale)),
    height: Math.max(1, Math.round(image.height * scale)),
  };
}

/** Skia's resampling and encoders are deterministic: the same image and size give the same bytes. */
async function drawScaled(image: Image, size: Size, mime: ImageMime): Promise<Buffer> {
  const canvas = createCanvas(size.width, size.height);
  const context = canvas.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  context.drawImage(image, 0, 0, size.width, size.height);
  return mime === "image/png" ? canvas.encode("png") : canvas.encode("jpeg", JPEG_QUALITY);
}

/** What the rejected bytes look like, so the error says more than "not PNG or JPEG". */
function describeContent(bytes: Buffer): string {
  if (bytes.length === 0) return "the file is empty";
  if (bytes.toString("latin1", 0, 4) === "GIF8") return "it is a GIF";
  if (bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") return "it is a WebP";
  return "its first bytes match neither";
}

function startsWith(bytes: Buffer, signature: Buffer): boolean {
  return bytes.length >= signature.length && bytes.subarray(0, signature.length).equals(signature);
}
