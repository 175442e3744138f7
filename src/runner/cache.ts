// A persistent, content-addressed response cache. Each process appends the answers it receives to
// its own segment file, one line per answer (`<key>\t<json>\n`), written with one write call the
// moment the answer arrives: a killed process loses only the requests in flight, and at worst a
// torn last line, which readers skip. Segments are never rewritten, so concurrent runs and shards
// can share a folder, and caches from several machines merge by copying their files together.
// Appending is ~100× cheaper than a file per answer, which dominated the runner's profile.
// Errors are never stored. Entries hold what the endpoint answered, never request headers or keys.
// Every entry is checked when it is read (validate.ts), as answers are before they are written: a
// line that is not JSON or has a wrong-typed field is skipped and reported, and its request is
// asked again, whose new answer supersedes it.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import type { CachedResponse } from "./cached-response.ts";
import { checkCachedResponse } from "./validate.ts";

interface Location {
  segment: string;
  offset: number;
  length: number;
}

const KEY_LENGTH = 64;
const TAB = 9;
const NEWLINE = 10;

export class ResponseCache {
  private readonly folder: string;
  private index: Map<string, Location> | undefined;
  private readonly readers = new Map<string, number>();
  private writer: { segment: string; fd: number; size: number } | undefined;

  /** Entries skipped because they did not pass the checks, each with where and why. */
  readonly skipped: string[] = [];

  constructor(
    readonly dir: string,
    private readonly options: { onSkipped?: (problem: string) => void } = {},
  ) {
    this.folder = join(dir, "responses");
  }

  get(key: string): CachedResponse | undefined {
    const location = this.load().get(key);
    if (!location) return undefined;
    const buffer = Buffer.allocUnsafe(location.length);
    readSync(this.reader(location.segment), buffer, 0, location.length, location.offset);
    let value: unknown;
    try {
      value = JSON.parse(buffer.toString("utf8"));
    } catch {
      return this.skip(location, key, "the line is not JSON");
    }
    const checked = checkCachedResponse(value, key);
    return checked.ok ? checked.value : this.skip(location, key, checked.problem);
  }

  /** A bad entry: reported, and its request asked again (the new answer supersedes it). */
  private skip(location: Location, key: string, problem: string): undefined {
    this.load().delete(key);
    const line = `${basename(location.segment)} at byte ${location.offset}: entry ${key.slice(0, 12)}… skipped (${problem}); its request is asked again`;
    this.skipped.push(line);
    this.options.onSkipped?.(line);
    return undefined;
  }

  put(entry: CachedResponse): void {
    const json = Buffer.from(JSON.stringify(entry), "utf8");
    const line = Buffer.concat([Buffer.from(`${entry.key}\t`, "latin1"), json, Buffer.from("\n")]);
    const writer = this.openWriter();
    writeSync(writer.fd, line);
    this.load().set(entry.key, { segment: writer.segment, offset: writer.size + KEY_LENGTH + 1, length: json.length });
    writer.size += line.length;
  }

  close(): void {
    for (const fd of this.readers.values()) closeSync(fd);
    this.readers.clear();
    if (this.writer) closeSync(this.writer.fd);
    this.writer = undefined;
  }

  /** Reads every segment's keys once (values stay on disk until asked for). */
  private load(): Map<string, Location> {
    if (this.index) return this.index;
    this.index = new Map();
    let segments: string[] = [];
    try {
      segments = readdirSync(this.folder).filter((name) => name.endsWith(".jsonl")).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    for (const name of segments) {
      const segment = join(this.folder, name);
      const data = readFileSync(segment);
      for (let start = 0; start < data.length; ) {
        const end = data.indexOf(NEWLINE, start);
        if (end === -1) break; // a torn last line: its request is asked again
        if (end - start > KEY_LENGTH + 1 && data[start + KEY_LENGTH] === TAB) {
          const key = data.toString("latin1", start, start + KEY_LENGTH);
          this.index.set(key, { segment, offset: start + KEY_LENGTH + 1, length: end - start - KEY_LENGTH - 1 });
        }
        start = end + 1;
      }
    }
    return this.index;
  }

  private reader(segment: string): number {
    let fd = this.readers.get(segment);
    if (fd === undefined) {
      fd = openSync(segment, "r");
      this.readers.set(segment, fd);
    }
    return fd;
  }

  private openWriter(): { segment: string; fd: number; size: number } {
    if (!this.writer) {
      mkdirSync(this.folder, { recursive: true });
      // Names sort by creation (wall clock, then the monotonic clock), so later answers win.
      const stamp = `${new Date().toISOString().replace(/[:.]/g, "-")}-${String(process.hrtime.bigint()).padStart(20, "0")}`;
      const segment = join(this.folder, `${stamp}-${process.pid}.jsonl`);
      this.writer = { segment, fd: openSync(segment, "a"), size: 0 };
    }
    return this.writer;
  }
}
