// A file's sha256, read in fixed-size chunks so a large file never sits in memory whole, and the
// stamp (size, mtime, inode) of the very file that was read, taken from the open descriptor.
import { createHash } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { open } from "node:fs/promises";

/** What tells a file's bytes unchanged without reading them. */
export interface FileStamp {
  size: number;
  mtimeNs: bigint;
  ino: bigint;
}

export function stampOf(stats: BigIntStats): FileStamp {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ino: stats.ino };
}

const CHUNK = 256 * 1024;

/**
 * The sha256 of the file's bytes, the stamp of the file read and when reading began (epoch ms: a
 * file modified after that may carry the same mtime, see hash-index.ts).
 */
export async function hashFile(path: string): Promise<{ sha256: string; stamp: FileStamp; startedMs: number }> {
  const startedMs = Date.now();
  const handle = await open(path, "r");
  try {
    const stamp = stampOf(await handle.stat({ bigint: true }));
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, stamp.size)));
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
    return { sha256: hash.digest("hex"), stamp, startedMs };
  } finally {
    await handle.close();
  }
}
