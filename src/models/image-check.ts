// The one check every image goes through before thinksafe decodes it, sends it or exports it:
// what its bytes are (format, size and colour mode from the header alone; names and extensions
// lie), and whether its pixel count is within the limit. A file of a few hundred kilobytes can
// claim 20000×20000 pixels and take 1.6 GB to decode; it is refused here, from its header.
import { SampleError } from "../errors.ts";
import { DEFAULT_MAX_IMAGE_PIXELS, megapixels } from "../limits.ts";

export type ImageFormat = "png" | "jpeg" | "webp" | "gif" | "other";
/** PIL's names for colour modes (OpenAI's rules speak of "RGB or RGBA"). */
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
  if (bytes.length >= 26 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a && bytes.toString("latin1", 12, 16) === "IHDR") {
    const colorType = bytes[25];
    const mode: ColorMode = colorType === 2 ? "RGB" : colorType === 6 ? "RGBA" : colorType === 0 ? "L" : colorType === 4 ? "LA" : colorType === 3 ? "P" : "unknown";
    return { ...base, format: "png", ...positive(bytes.readUInt32BE(16), bytes.readUInt32BE(20)), colorMode: mode };
  }
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return { ...base, format: "png", width: null, height: null, colorMode: "unknown" };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ...base, format: "jpeg", ...jpegFrame(bytes) };
  if (bytes.length >= 16 && bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") {
    return { ...base, format: "webp", ...webpFrame(bytes) };
  }
  if (bytes.toString("latin1", 0, 4) === "GIF8") {
    return { ...base, format: "gif", ...(bytes.length >= 10 ? positive(bytes.readUInt16LE(6), bytes.readUInt16LE(8)) : { width: null, height: null }), colorMode: "P" };
  }
  return { ...base, format: "other", width: null, height: null, colorMode: "unknown" };
}

export interface ImageCheck {
  /** Most pixels (width × height) accepted; default DEFAULT_MAX_IMAGE_PIXELS. */
  maxPixels?: number;
  /** Formats accepted; default all that have a readable header (PNG, JPEG, WebP, GIF). */
  formats?: readonly ImageFormat[];
}

/**
 * The image's facts when it is an image of an accepted format whose header gives its size and
 * whose pixel count is within the limit; otherwise a SampleError named after the problem
 * (`invalid_image`, `image_too_large`) that names the image by `name`.
 */
export function checkImage(bytes: Buffer, name: string, check: ImageCheck = {}): ImageFacts & { width: number; height: number } {
  const facts = imageFacts(bytes);
  const formats = check.formats ?? ["png", "jpeg", "webp", "gif"];
  if (facts.format === "other" || !formats.includes(facts.format)) {
    const names = formats.map(formatName);
    const list = (joint: string) => (names.length > 1 ? `${names.slice(0, -1).join(", ")} ${joint} ${names.at(-1)}` : names[0]!);
    throw new SampleError(
      "invalid_image",
      { file: name },
      `not a ${list("or")} image (${describeContent(bytes, facts, names.length)})`,
      `${list("and")} are accepted; convert the image to one of them`,
    );
  }
  if (facts.width === null || facts.height === null) {
    const problem =
      facts.format === "png"
        ? "PNG header is truncated or malformed (no IHDR chunk with a width and height)"
        : facts.format === "jpeg"
          ? "JPEG is truncated or malformed (no frame header with a width and height before the image data)"
          : `${facts.format.toUpperCase()} header is truncated or malformed (no width and height)`;
    throw new SampleError("invalid_image", { file: name }, problem, "replace it with an intact copy");
  }
  const maxPixels = check.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const pixels = facts.width * facts.height;
  if (pixels > maxPixels) {
    throw new SampleError(
      "image_too_large",
      { file: name },
      `${facts.width}×${facts.height} pixels (${megapixels(pixels)}) is over the ${megapixels(maxPixels)} limit; it was not decoded`,
      "scale it down, or raise limits.image_megapixels",
    );
  }
  return { ...facts, width: facts.width, height: facts.height };
}

/** Size and components of the first start-of-frame segment: 1 component is L, 3 RGB (YCbCr), 4 CMYK. */
function jpegFrame(bytes: Buffer): Pick<ImageFacts, "width" | "height" | "colorMode"> {
  let offset = 2; // after SOI
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) break;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte before a marker
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // TEM and RSTn stand alone, without a length
    } else if (marker === 0xda || marker === 0xd9) {
      break; // scan data or end of image before any frame header
    } else if (isStartOfFrame(marker)) {
      if (offset + 10 > bytes.length) break;
      const components = bytes[offset + 9];
      const colorMode: ColorMode = components === 3 ? "RGB" : components === 1 ? "L" : components === 4 ? "CMYK" : "unknown";
      return { ...positive(bytes.readUInt16BE(offset + 7), bytes.readUInt16BE(offset + 5)), colorMode };
    } else {
      offset += 2 + bytes.readUInt16BE(offset + 2);
    }
  }
  return { width: null, height: null, colorMode: "unknown" };
}

/** SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
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
    return { ...positive(bytes.readUInt16LE(26) & 0x3fff, bytes.readUInt16LE(28) & 0x3fff), colorMode: "RGB" };
  }
  return { width: null, height: null, colorMode: "unknown" };
}

function positive(width: number, height: number): { width: number | null; height: number | null } {
  return width > 0 && height > 0 ? { width, height } : { width: null, height: null };
}

function formatName(format: ImageFormat): string {
  return format === "webp" ? "WebP" : format.toUpperCase();
}

/** What rejected bytes look like, so the error says more than "not an image". */
function describeContent(bytes: Buffer, facts: ImageFacts, accepted: number): string {
  if (bytes.length === 0) return "the file is empty";
  if (facts.format !== "other") return `it is a ${formatName(facts.format)}`;
  const head = bytes.toString("latin1", 0, 64).trimStart().toLowerCase();
  if (head.startsWith("<!doctype html") || head.startsWith("<html")) return "it is an HTML page";
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return "it is an SVG drawing";
  return accepted === 2 ? "its first bytes match neither" : "its first bytes match none of them";
}
