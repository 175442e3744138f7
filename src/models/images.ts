// Images for multimodal chat requests, as data URIs. Request cache keys include the image hash,
// so the bytes sent must be a pure function of the input: the original bytes when they fit, else
// a deterministic downscale.
import type { Image } from "@napi-rs/canvas";
import { skia } from "../images/canvas.ts";
import type { SampleImage } from "../benchmarks/sample.ts";
import { SampleError, UsageError } from "../errors.ts";
import { readImage } from "../images/store.ts";
import { DataUri } from "../runner/json-body.ts";
import { sha256 } from "../provenance.ts";
import { DEFAULT_MAX_IMAGE_PIXELS, maxImageBytes } from "../limits.ts";
import { checkImage, imageFacts } from "./image-check.ts";

export type ImageMime = "image/png" | "image/jpeg";

export interface EncodedImage {
  /** The data URI for a request body (serialised with it). */
  uri: DataUri;
  /** The data URI as text. */
  readonly dataUri: string;
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
  /** Of `bytes`, when already known (readImage checked it): not computed again. */
  sha256?: string;
}

interface Size {
  width: number;
  height: number;
}

const JPEG_QUALITY = 90;

/** The image format by its magic bytes (names and extensions lie), or null for anything else. */
export function imageMime(bytes: Buffer): ImageMime | null {
  const { format } = imageFacts(bytes);
  return format === "png" ? "image/png" : format === "jpeg" ? "image/jpeg" : null;
}

export interface EncodeOptions {
  /** Scale images whose longest side is longer. */
  maxSide?: number;
  /** Refuse images with more pixels (checkImage's default when unset). */
  maxPixels?: number;
}

/**
 * The image as a data URI. Without maxSide, or when the longest side is at most maxSide, the
 * original bytes are sent untouched; otherwise the image is scaled down, keeping its aspect ratio,
 * so its longest side is maxSide, and re-encoded in its own format (JPEG at quality 90). Every
 * image first passes checkImage: one that is not a PNG or JPEG, is malformed or has more than
 * maxPixels pixels is a SampleError (its sample fails), found from the header before any decoding.
 */
export async function encodeImage(source: ImageSource, options: EncodeOptions = {}): Promise<EncodedImage> {
  const { maxSide } = options;
  if (maxSide !== undefined && !(Number.isInteger(maxSide) && maxSide > 0)) {
    throw new UsageError(`maxSide must be a positive whole number of pixels, found ${maxSide}`);
  }
  const facts = checkImage(source.bytes, source.name, { formats: ["png", "jpeg"], ...(options.maxPixels !== undefined && { maxPixels: options.maxPixels }) });
  const mime: ImageMime = facts.format === "png" ? "image/png" : "image/jpeg";
  const size = { width: facts.width, height: facts.height };
  const sourceSha256 = source.sha256 ?? sha256(source.bytes);
  if (maxSide === undefined || Math.max(size.width, size.height) <= maxSide) {
    return encoded(source.bytes, mime, sourceSha256, { sourceSha256, ...size, resized: false });
  }
  const image = await decode(source, mime);
  const scaled = scaledSize(image, maxSide);
  const bytes = await drawScaled(image, scaled, mime);
  return encoded(bytes, mime, sha256(bytes), { sourceSha256, ...scaled, resized: true });
}

function encoded(bytes: Buffer, mime: ImageMime, hash: string, rest: Pick<EncodedImage, "sourceSha256" | "width" | "height" | "resized">): EncodedImage {
  const uri = new DataUri(mime, bytes);
  return {
    uri,
    get dataUri() {
      return uri.toJSON();
    },
    mime,
    sha256: hash,
    ...rest,
  };
}

/**
 * A sample's image for a request: its bytes read now from its file, checked against the sha256 the
 * request is keyed on (images/store.ts), then encoded as `encodeImage` does. Nothing is kept.
 */
export async function encodeSampleImage(image: Pick<SampleImage, "name" | "path" | "sha256">, options: EncodeOptions = {}): Promise<EncodedImage> {
  const bytes = await readImage(image, { maxBytes: maxImageBytes(options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS) });
  return encodeImage({ bytes, name: image.name, sha256: image.sha256 }, options);
}

/** Skia decodes the image; it applies a JPEG's EXIF orientation, so the result is upright. */
async function decode(source: ImageSource, mime: ImageMime): Promise<Image> {
  try {
    return await skia().loadImage(source.bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SampleError("invalid_image", { file: source.name }, `cannot decode the ${mime === "image/png" ? "PNG" : "JPEG"} image: ${reason}`);
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
  const canvas = skia().createCanvas(size.width, size.height);
  const context = canvas.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  context.drawImage(image, 0, 0, size.width, size.height);
  return mime === "image/png" ? canvas.encode("png") : canvas.encode("jpeg", JPEG_QUALITY);
}
