// A file's sha256, read in fixed-size chunks so a large file never sits in memory whole, and the
// stamp (size, mtime, inode) of the very file that was read, taken from the open descriptor. Reads
// are synchronous: for the small files images are, one system call each is several times cheaper
// than a round trip through libuv's thread pool (which cost a run over 28,000 images most of its
// planning time), and nothing else waits on the event loop while samples load.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from "node:fs";

/** What tells a file's bytes unchanged without reading them. */
export interface FileStamp {
  size: number;
  mtimeNs: bigint;
  ino: bigint;
}

export function stampOf(stats: BigIntStats): FileStamp {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ino: stats.ino };
}

const CHUNK = Buffer.allocUnsafe(1024 * 1024);

/**
 * The sha256 of the file's bytes, the stamp of the file read and when reading began (epoch ms: a
 * file modified after that may carry the same mtime, see hash-index.ts).
 */
export function hashFile(path: string): { sha256: string; stamp: FileStamp; startedMs: number } {
  const startedMs = Date.now();
  const fd = openSync(path, "r");
  try {
    const stamp = stampOf(fstatSync(fd, { bigint: true }));
    const hash = createHash("sha256");
    for (let read = readSync(fd, CHUNK, 0, CHUNK.length, null); read > 0; read = readSync(fd, CHUNK, 0, CHUNK.length, null)) {
      hash.update(CHUNK.subarray(0, read));
    }
    return { sha256: hash.digest("hex"), stamp, startedMs };
  } finally {
    closeSync(fd);
  }
}
