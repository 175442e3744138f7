// Images by reference through a whole run: hashed once and known unchanged on a rerun, read only to
// be sent and checked against the hash the request was keyed on.
import assert from "node:assert/strict";
import { mkdir, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { randomBytes } from "node:crypto";
import type { Sample } from "../benchmarks/sample.ts";
import { encodeGrayPng } from "../benchmarks/gray-png.ts";
import { parseExperiment } from "../experiments/load.ts";
import { ImageStore } from "../images/store.ts";
import { sha256 } from "../provenance.ts";
import { startSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { Database } from "../duckdb/database.ts";
import { tempDir } from "../test-support.ts";
import { runExperiment } from "./run-experiment.ts";

const ROWS = 6;

async function setup(t: TestContext, extra = "") {
  const sim = await startSimulator({
    seed: 1,
    latency_ms: { distribution: "fixed", mean: 0 },
    faults: { rate_429: 0, retry_after_s: 0, rate_500: 0, rate_reset: 0, rate_hang: 0, rate_non_json: 0, rate_batch_line_error: 0 },
    models: [{ name: "sim/vision", reasoning: "think_tags", refusal_rate: 0.5, unsafe_thinking_rate: 0.5, thinking_words: 16, answer_words: 16 }],
  } as SimulatorConfig);
  t.after(() => sim.close());
  const dir = await tempDir(t);
  const data = join(dir, "data");
  await mkdir(join(data, "jailbreakv", "images"), { recursive: true });
  const lines = ["id,jailbreak_query,redteam_query,format,policy,image_path"];
  for (let i = 0; i < ROWS; i++) {
    await writeImage(join(data, "jailbreakv", "images", `${i}.png`));
    lines.push(`${i},Describe image ${i}.,Describe ${i},Template,Testing,images/${i}.png`);
  }
  await writeFile(join(data, "jailbreakv", "JailBreakV_28K.csv"), `${lines.join("\n")}\n`);
  const file = join(dir, "experiment.yaml");
  const yaml = `id: image-references\nmodels:\n  - {id: vision, model: sim/vision, base_url: "${sim.url}"}\nbenchmarks:\n  - {id: jailbreakv, subset: full}\nconcurrency: 2\ndata_dir: data\n${extra}`;
  await writeFile(file, yaml);
  const experiment = parseExperiment(yaml, file);
  const chats = () => Object.values(sim.stats().byModel).reduce((a, b) => a + b, 0);
  const run = async (onSamples?: (samples: readonly Sample[][]) => void | Promise<void>) => {
    const before = chats();
    const summary = await runExperiment(experiment, { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), calibrate: false, ...(onSamples && { onSamples }), log: () => {} });
    return { summary, sent: chats() - before, rows: await rowsOf(join(dir, "out", "responses.parquet")) };
  };
  return { data, run, cache: join(dir, "cache") };
}

/** A distinct 32×32 noise PNG, its mtime put in the past so its index entry is trusted at once. */
async function writeImage(file: string): Promise<void> {
  await writeFile(file, encodeGrayPng(32, 32, randomBytes(32 * 32)));
  const past = new Date(Date.now() - 60_000);
  await utimes(file, past, past);
}

async function rowsOf(file: string): Promise<Array<{ sample_id: string; image_sha256: string[]; cache_key: string; error_kind: string | null; error: string | null }>> {
  const db = await Database.open();
  try {
    const reader = await db.connection.runAndReadAll("SELECT sample_id, image_sha256, cache_key, error_kind, error FROM read_parquet($1) ORDER BY sample_id", [file]);
    return reader.getRowObjectsJson() as never;
  } finally {
    db.close();
  }
}

/** Every Buffer, typed array or long string reachable from `value`. */
function heldBytes(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === "string") return value.length > 4096 ? [`a string of ${value.length} characters`] : [];
  if (value === null || typeof value !== "object" || seen.has(value)) return [];
  seen.add(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return [`${value.constructor.name} of ${value.byteLength} bytes`];
  return Object.values(value).flatMap((child) => heldBytes(child, seen));
}

describe("images by reference through a run", () => {
  test("samples hold paths and hashes, no bytes; a rerun sends nothing and reads no image to know it unchanged", async (t) => {
    const { run, cache } = await setup(t);
    let loaded: readonly Sample[][] = [];
    const first = await run((samples) => void (loaded = samples));
    assert.equal(first.sent, ROWS);
    assert.equal(loaded.flat().length, ROWS);
    assert.deepEqual(heldBytes(loaded), []);
    assert.ok(loaded.flat().every((sample) => sample.images.every((image) => image.path.startsWith("/") && /^[0-9a-f]{64}$/.test(image.sha256))));

    const store = ImageStore.of(cache);
    const counted = { ...store.counts };
    const rerun = await run();
    assert.equal(rerun.sent, 0);
    assert.equal(rerun.summary.fromCache, ROWS);
    assert.equal(store.counts.hashed - counted.hashed, 0, "no image was read again");
    assert.equal(store.counts.known - counted.known, ROWS);
    assert.deepEqual(rerun.rows, first.rows);
  });

  test("a changed image gives a new hash and a new cache key: only its row is asked again", async (t) => {
    const { data, run } = await setup(t);
    const first = await run();
    await writeImage(join(data, "jailbreakv", "images", "3.png"));
    const second = await run();
    assert.equal(second.sent, 1);
    const changed = (rows: typeof first.rows) => rows.find((row) => row.sample_id === "3")!;
    assert.notDeepEqual(changed(second.rows).image_sha256, changed(first.rows).image_sha256);
    assert.notEqual(changed(second.rows).cache_key, changed(first.rows).cache_key);
    assert.deepEqual(
      second.rows.filter((row) => row.sample_id !== "3"),
      first.rows.filter((row) => row.sample_id !== "3"),
    );
  });

  test("an image changed, replaced by a hostile one or removed after planning fails its own row; the others are answered", async (t) => {
    const { data, run } = await setup(t);
    const images = join(data, "jailbreakv", "images");
    // A 20000×20000 PNG header: were it sent, it would be refused before any decoding.
    const bomb = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(bomb);
    bomb.write("IHDR", 12, "latin1");
    bomb.writeUInt32BE(20000, 16);
    bomb.writeUInt32BE(20000, 20);
    bomb.set([8, 0, 0, 0, 0], 24);
    const result = await run(async () => {
      await writeFile(join(images, "1.png"), "changed after the plan");
      await writeFile(join(images, "2.png"), bomb);
      await rm(join(images, "4.png"));
    });
    const byId = new Map(result.rows.map((row) => [row.sample_id, row]));
    assert.equal(byId.get("1")!.error_kind, "image_changed");
    assert.match(byId.get("1")!.error!, /1\.png: changed since the samples were loaded \(sha256 [0-9a-f]{12}… now/);
    assert.equal(byId.get("2")!.error_kind, "image_changed");
    assert.equal(byId.get("4")!.error_kind, "image_unreadable");
    assert.deepEqual(["0", "3", "5"].map((id) => byId.get(id)!.error_kind), [null, null, null]);
    assert.equal(result.sent, 3);
    // The row keeps the hash it was planned with, never the bytes found later.
    assert.notDeepEqual(byId.get("1")!.image_sha256, [sha256(Buffer.from("changed after the plan"))]);
  });

  test("a file larger than any image within the pixel limit fails its row unread", async (t) => {
    const { data, run } = await setup(t, "limits: {image_megapixels: 1}\n");
    // 64 MB of nothing (a sparse file): over the 23.6 MB a 1-megapixel PNG or JPEG can take.
    const file = join(data, "jailbreakv", "images", "5.png");
    await truncate(file, 64 * 1024 * 1024);
    const result = await run();
    const bad = result.rows.find((row) => row.sample_id === "5")!;
    assert.equal(bad.error_kind, "image_too_large");
    assert.match(bad.error!, /^5\.png: 64 MB is more than any image within the pixel limit takes \(23.6 MB\); it was not read/);
    assert.equal(result.sent, ROWS - 1);
  });
});
