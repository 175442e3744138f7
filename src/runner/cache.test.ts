import assert from "node:assert/strict";
import { readdir, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../test-support.ts";
import { CACHE_FORMAT, ResponseCache, type CachedResponse } from "./cache.ts";

const entry = (key: string): CachedResponse => ({
  format: CACHE_FORMAT,
  key,
  content: "answer",
  reasoning: "thoughts",
  reasoning_content: null,
  finish_reason: "stop",
  prompt_tokens: 10,
  completion_tokens: 20,
  latency_ms: 50,
  simulated: true,
  served_model: "sim/model",
});

test("entries round-trip by key and leave no temporary files", async (t) => {
  const dir = await tempDir(t);
  const cache = new ResponseCache(dir);
  const key = "ab".repeat(32);
  assert.equal(await cache.get(key), undefined);
  await cache.put(entry(key));
  assert.deepEqual(await cache.get(key), entry(key));
  assert.deepEqual(await readdir(join(dir, "responses", "ab")), [`${key}.json`]);
});

test("a torn or foreign entry reads as a miss, so it is asked again", async (t) => {
  const dir = await tempDir(t);
  const cache = new ResponseCache(dir);
  const key = "cd".repeat(32);
  await mkdir(join(dir, "responses", "cd"), { recursive: true });
  await writeFile(join(dir, "responses", "cd", `${key}.json`), '{"format":1,"key":"cd');
  assert.equal(await cache.get(key), undefined);
  await writeFile(join(dir, "responses", "cd", `${key}.json`), JSON.stringify({ ...entry(key), format: 99 }));
  assert.equal(await cache.get(key), undefined);
});
