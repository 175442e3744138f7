// A minimal PNG encoder for 8-bit grayscale images. Typographic images are black on white, so one
// channel holds every pixel; encoding it is about twice as fast as Skia's RGBA PNG encoder and the
// file is about half the size.
import zlib, { deflateSync } from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const GRAYSCALE = 0;
const NO_FILTER = 0;

/**
 * PNG bytes of a `width`×`height` grayscale image given as one byte a pixel, row by row. `text`
 * adds tEXt chunks (keyword → Latin-1 text, e.g. PNG's registered `Description`) after the header;
 * `level` is zlib's compression level (0 stores pixels as they are, for noise that cannot shrink).
 */
export function encodeGrayPng(width: number, height: number, pixels: Uint8Array, text: Readonly<Record<string, string>> = {}, options: { level?: number } = {}): Buffer {
  if (pixels.length !== width * height) throw new RangeError(`expected ${width * height} pixels, got ${pixels.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, GRAYSCALE, 0, 0, 0], 8); // bit depth, colour type, compression, filter method, no interlace
  // Each row is preceded by its filter type.
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width + 1)] = NO_FILTER;
    rows.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    ...Object.entries(text).map(([keyword, value]) => chunk("tEXt", Buffer.from(`${keyword}\0${value}`, "latin1"))),
    chunk("IDAT", deflateSync(rows, options.level === undefined ? {} : { level: options.level })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The red channel of opaque RGBA pixels, which equals green and blue in a gray image. */
export function grayFromRgba(rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  const gray = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < gray.length; i++) gray[i] = rgba[i * 4]!;
  return gray;
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(4 + typeAndData.length + 4);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG defines it: zlib's where Node has it (from 20.15), else the same in JavaScript. */
function crc32(bytes: Uint8Array): number {
  if (typeof zlib.crc32 === "function") return zlib.crc32(bytes);
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
