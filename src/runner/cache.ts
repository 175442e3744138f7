// A persistent, content-addressed response cache: one JSON file per request key, written to a
// temporary name and renamed into place, so a killed process leaves either the whole entry or
// none. Shards and concurrent runs can share a folder: entries are immutable and keyed by content.
// Errors are never stored. Entries hold what the endpoint answered, never request headers or keys.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const CACHE_FORMAT = 1;

/** What an endpoint answered to one request, before thinking and answer are separated. */
export interface CachedResponse {
  format: typeof CACHE_FORMAT;
  key: string;
  content: string | null;
  reasoning: string | null;
  reasoning_content: string | null;
  finish_reason: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number;
  /** The endpoint identified itself as thinksafe's simulator. */
  simulated: boolean;
  /** The model name the endpoint reported. */
  served_model: string | null;
}

export class ResponseCache {
  private readonly madeDirs = new Set<string>();

  constructor(readonly dir: string) {}

  private path(key: string): { folder: string; file: string } {
    const folder = join(this.dir, "responses", key.slice(0, 2));
    return { folder, file: join(folder, `${key}.json`) };
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.path(key).file, "utf8")) as CachedResponse;
      return entry.format === CACHE_FORMAT && entry.key === key ? entry : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      if (error instanceof SyntaxError) return undefined; // unreadable entry: ask again and overwrite it
      throw error;
    }
  }

  async put(entry: CachedResponse): Promise<void> {
    const { folder, file } = this.path(entry.key);
    if (!this.madeDirs.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.madeDirs.add(folder);
    }
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temporary, JSON.stringify(entry));
    await rename(temporary, file);
  }
}
