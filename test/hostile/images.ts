// Hostile image files: real, valid PNGs with more pixels than memory holds once decoded (a
// 20000×20000 grayscale PNG is a few hundred kilobytes and decodes to 1.6 GB of RGBA), built in
// milliseconds: every row is black, so one compressed block of rows is repeated.
import { constants, crc32, deflateRawSync } from "node:zlib";

const ROWS_PER_BLOCK = 64;

/** A valid 8-bit grayscale PNG of width × height black pixels. */
export function hugeGrayPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  const rowBytes = width + 1; // filter byte + pixels
  // A full flush ends each block on a byte boundary with no reference to what came before, so
  // the same compressed bytes stand for every block of ROWS_PER_BLOCK rows.
  const flushed = (rows: number) => deflateRawSync(Buffer.alloc(rows * rowBytes), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const block = flushed(ROWS_PER_BLOCK);
  const blocks = Math.floor(height / ROWS_PER_BLOCK);
  const rest = height % ROWS_PER_BLOCK;
  const total = height * rowBytes;
  // zlib: header, the blocks, an empty final block, and the Adler-32 of `total` zero bytes.
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((total % 65521) << 16) | 1) >>> 0, 0);
  const stream = Buffer.concat([Buffer.from([0x78, 0xda]), ...Array<Buffer>(blocks).fill(block), ...(rest ? [flushed(rest)] : []), Buffer.from([0x03, 0x00]), adler]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr), pngChunk("IDAT", stream), pngChunk("IEND", Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}
