// Shared by the hostile tests: running the CLI in a child process with its peak memory measured,
// reading what a run wrote, and looking for the key in every file and line it left.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { Database } from "../../src/duckdb/database.ts";

/** The key the tests hand to thinksafe; it must appear in nothing thinksafe writes or prints. */
export const SECRET = "sk-hostile-test-key-0f9e8d7c6b5a4321";
export const KEY_VARIABLE = "THINKSAFE_HOSTILE_KEY";

/** Every case stays under this much peak memory (the bound). */
export const MEMORY_BOUND_MB = 1024;

const CLI = fileURLToPath(new URL("./measured-cli.ts", import.meta.url));
const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  /** Peak resident memory of the CLI process, in MB. */
  peakMb: number;
}

/**
 * Runs `thinksafe ...args` in a child process and reports its exit code, output and peak memory.
 * `project`: another copy of the project to run it from (its own measured-cli.ts).
 */
export async function runCli(t: Pick<TestContext, "diagnostic"> | undefined, dir: string, args: string[], env: NodeJS.ProcessEnv = {}, project?: string): Promise<CliRun> {
  const rssFile = join(dir, `.rss-${process.hrtime.bigint()}.json`);
  const child = spawn(process.execPath, ["--import", "tsx", project ? join(project, "test", "hostile", "measured-cli.ts") : CLI, ...args], {
    cwd: project ?? PROJECT_DIR,
    env: { ...process.env, THINKSAFE_CACHE_DIR: "", [KEY_VARIABLE]: SECRET, ...env, THINKSAFE_TEST_RSS_FILE: rssFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const { maxRssKb } = JSON.parse(await readFile(rssFile, "utf8").catch(() => '{"maxRssKb": 0}')) as { maxRssKb: number };
  const peakMb = Math.round(maxRssKb / 1024);
  t?.diagnostic(`peak memory ${peakMb} MB: thinksafe ${args[0]}`);
  assert.ok(maxRssKb > 0, `the CLI did not report its memory (exit ${code}): ${err}`);
  assert.ok(peakMb < MEMORY_BOUND_MB, `peak memory ${peakMb} MB is over ${MEMORY_BOUND_MB} MB`);
  assert.doesNotMatch(err, /unexpected error/, "a hostile input is never an unexpected error");
  return { code, out, err, peakMb };
}

/** Every file under `dir` (recursively). */
export async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The key is in no file under `dir` (outputs, manifest, cache, logs) but the user's own `inputs`, and no line printed. */
export async function assertNoSecret(dir: string, inputs: readonly string[], ...printed: string[]): Promise<void> {
  for (const file of await allFiles(dir)) {
    if (!inputs.includes(file)) assert.ok(!(await readFile(file)).includes(SECRET), `${file} holds the key`);
  }
  for (const text of printed) assert.ok(!text.includes(SECRET), `printed output holds the key: ${text.slice(0, 400)}`);
}

export interface ResponseRow {
  model_id: string;
  sample_id: string;
  answer: string | null;
  error: string | null;
  error_kind: string | null;
  cache_key: string;
}

export async function responseRows(file: string): Promise<ResponseRow[]> {
  const db = await Database.open();
  try {
    const reader = await db.connection.runAndReadAll("SELECT model_id, sample_id, answer, error, error_kind, cache_key FROM read_parquet($1) ORDER BY model_id, sample_id, repeat", [file]);
    return reader.getRowObjectsJson() as unknown as ResponseRow[];
  } finally {
    db.close();
  }
}

/** The keys of every answer in a response cache folder. */
export async function cachedKeys(cacheDir: string): Promise<string[]> {
  const files = await allFiles(join(cacheDir, "responses")).catch(() => [] as string[]);
  const keys: string[] = [];
  for (const file of files) for (const line of (await readFile(file, "utf8")).split("\n")) if (line.length > 65) keys.push(line.slice(0, 64));
  return keys;
}
