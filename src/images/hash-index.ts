// Image hashes remembered across runs, so a rerun over 28,000 images knows they are unchanged from
// their stamps alone, without reading them. An entry maps a path to the sha256 its bytes had when
// the file had that size, mtime and inode; any change of the three means the file is read again.
//
// A file modified during the same timestamp tick as its entry was taken keeps its mtime (git calls
// this "racily clean"), so an entry is trusted only when the file's mtime is safely older than the
// moment its hashing began: 50 ms on a file system that stores sub-second mtimes (the kernel's
// clock is coarse to a few ms), 2 s on one that stores whole seconds (FAT's unit). A racy entry is
// hashed again and written anew.
//
// Stored like the response cache (runner/cache.ts): each process appends its entries to its own
// segment file, one JSON line each, written the moment the hash is known; a torn or malformed line
// is skipped; later lines win. Loading folds more than MAX_SEGMENTS segments into one, leaving out
// files that are gone.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { FileStamp } from "./file-hash.ts";

/** The entry layout; lines of another format are ignored. */
export const HASH_INDEX_FORMAT = 1;
const MAX_SEGMENTS = 16;
const SHA256 = /^[0-9a-f]{64}$/;

interface Entry {
  sha256: string;
  size: number;
  mtimeNs: bigint;
  ino: bigint;
  /** When reading the file for this hash began, epoch ms. */
  hashedAtMs: number;
}

export class HashIndex {
  private entries: Map<string, Entry> | undefined;
  private writer: number | undefined;

  constructor(readonly dir: string) {}

  /** The file's sha256 when its entry matches the stamp and is not racy; undefined otherwise. */
  get(path: string, stamp: FileStamp): string | undefined {
    const entry = this.load().get(path);
    if (!entry || entry.size !== stamp.size || entry.mtimeNs !== stamp.mtimeNs || entry.ino !== stamp.ino) return undefined;
    return isRacy(entry) ? undefined : entry.sha256;
  }

  /** Remembers what the file held when it had this stamp, on disk at once. */
  set(path: string, stamp: FileStamp, sha256: string, hashedAtMs: number): void {
    const entry: Entry = { sha256, ...stamp, hashedAtMs };
    this.load().set(path, entry);
    writeSync(this.openWriter(), line(path, entry));
  }

  /** Closes the segment being written; a later `set` starts a new one. */
  close(): void {
    if (this.writer !== undefined) closeSync(this.writer);
    this.writer = undefined;
  }

  private load(): Map<string, Entry> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    const segments = segmentsIn(this.dir);
    for (const segment of segments) {
      for (const text of readFileSync(join(this.dir, segment), "utf8").split("\n")) {
        const parsed = parseLine(text);
        if (parsed) this.entries.set(parsed.path, parsed.entry);
      }
    }
    if (segments.length > MAX_SEGMENTS) this.compact(segments);
    return this.entries;
  }

  /**
   * Writes the entries of files that still exist as one segment and removes the ones read. A process
   * still appending to a removed segment loses its later entries: those files are hashed again next
   * time, nothing worse.
   */
  private compact(segments: readonly string[]): void {
    for (const path of this.entries!.keys()) if (!existsSync(path)) this.entries!.delete(path);
    const name = `${segmentStamp()}-${process.pid}-compacted.jsonl`;
    const temporary = join(this.dir, `${name}.tmp`);
    writeFileSync(temporary, [...this.entries!].map(([path, entry]) => line(path, entry)).join(""));
    renameSync(temporary, join(this.dir, name));
    for (const segment of segments) rmSync(join(this.dir, segment), { force: true });
  }

  private openWriter(): number {
    if (this.writer === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.writer = openSync(join(this.dir, `${segmentStamp()}-${process.pid}.jsonl`), "a");
    }
    return this.writer;
  }
}

/** A hash taken this long after the file's mtime is never racy, whatever the file system's unit. */
export const SETTLED_MS = 2_001;

/** Whether a file whose hashing began at `hashedAtMs` could have changed after it without its mtime showing it. */
export function isRacy(entry: Pick<Entry, "mtimeNs" | "hashedAtMs">): boolean {
  const wholeSeconds = entry.mtimeNs % 1_000_000_000n === 0n;
  const marginNs = wholeSeconds ? 2_000_000_000n : 50_000_000n;
  return entry.mtimeNs + marginNs >= BigInt(entry.hashedAtMs) * 1_000_000n;
}

function segmentsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(".jsonl")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Names sort by creation (wall clock, then the monotonic clock), so later entries win. */
function segmentStamp(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-")}-${String(process.hrtime.bigint()).padStart(20, "0")}`;
}

function line(path: string, entry: Entry): string {
  return `${JSON.stringify({ format: HASH_INDEX_FORMAT, path, size: entry.size, mtime_ns: String(entry.mtimeNs), ino: String(entry.ino), sha256: entry.sha256, hashed_at_ms: entry.hashedAtMs })}\n`;
}

/** An entry from one line, or undefined for a torn, malformed or foreign one (its file is hashed again). */
function parseLine(text: string): { path: string; entry: Entry } | undefined {
  if (text === "") return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { format, path, size, mtime_ns: mtime, ino, sha256, hashed_at_ms: hashedAtMs } = value ?? {};
  if (format !== HASH_INDEX_FORMAT || typeof path !== "string" || typeof sha256 !== "string" || !SHA256.test(sha256)) return undefined;
  if (typeof size !== "number" || typeof hashedAtMs !== "number" || typeof mtime !== "string" || typeof ino !== "string" || !/^\d+$/.test(mtime) || !/^\d+$/.test(ino)) return undefined;
  return { path, entry: { sha256, size, mtimeNs: BigInt(mtime), ino: BigInt(ino), hashedAtMs } };
}
