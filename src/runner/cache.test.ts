import assert from "node:assert/strict";
import { appendFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../test-support.ts";
import { ResponseCache } from "./cache.ts";
import { CACHE_FORMAT, type CachedResponse } from "./cached-response.ts";

const entry = (key: string, content = "answer"): CachedResponse => ({
  format: CACHE_FORMAT,
  key,
  content,
  reasoning: "thoughts",
  reasoning_content: null,
  finish_reason: "stop",
  prompt_tokens: 10,
  completion_tokens: 20,
  latency_ms: 50,
  simulated: true,
  served_model: "sim/model",
});

test("entries round-trip by key, within a process and across processes", async (t) => {
  const dir = await tempDir(t);
  const writer = new ResponseCache(dir);
  const [a, b] = ["ab".repeat(32), "cd".repeat(32)];
  assert.equal(writer.get(a), undefined);
  writer.put(entry(a, "ünïcode ✓ answer"));
  writer.put(entry(b));
  assert.deepEqual(writer.get(a), entry(a, "ünïcode ✓ answer"));
  writer.close();
  const reader = new ResponseCache(dir);
  assert.deepEqual(reader.get(a), entry(a, "ünïcode ✓ answer"));
  assert.deepEqual(reader.get(b), entry(b));
  reader.close();
});

test("each process appends to its own segment; a later answer for a key supersedes an earlier one", async (t) => {
  const dir = await tempDir(t);
  const key = "ef".repeat(32);
  const first = new ResponseCache(dir);
  first.put(entry(key, "old"));
  first.close();
  const second = new ResponseCache(dir);
  second.put(entry(key, "new"));
  second.close();
  assert.equal(readdirSync(join(dir, "responses")).length, 2);
  assert.equal(new ResponseCache(dir).get(key)?.content, "new");
});

test("a torn last line (a process killed mid-write) is skipped, the lines before it kept", async (t) => {
  const dir = await tempDir(t);
  const [good, torn] = ["01".repeat(32), "02".repeat(32)];
  const cache = new ResponseCache(dir);
  cache.put(entry(good));
  cache.close();
  const [segment] = readdirSync(join(dir, "responses"));
  appendFileSync(join(dir, "responses", segment!), `${torn}\t{"format":1,"key":"${torn}","cont`);
  const reader = new ResponseCache(dir);
  assert.deepEqual(reader.get(good), entry(good));
  assert.equal(reader.get(torn), undefined);
});

test("an entry of another format or key reads as a miss, so it is asked again", async (t) => {
  const dir = await tempDir(t);
  const key = "03".repeat(32);
  const cache = new ResponseCache(dir);
  cache.put({ ...entry(key), format: 99 } as unknown as CachedResponse);
  assert.equal(cache.get(key), undefined);
});

test("a line with valid JSON but a wrong type is skipped and reported, not returned", async (t) => {
  const dir = await tempDir(t);
  const writer = new ResponseCache(dir);
  const [good, numeric, garbled] = ["a1".repeat(32), "b2".repeat(32), "c3".repeat(32)];
  writer.put(entry(good));
  writer.close();
  const segment = join(dir, "responses", readdirSync(join(dir, "responses"))[0]!);
  appendFileSync(segment, `${numeric}\t${JSON.stringify({ ...entry(numeric), content: 42 })}\n${garbled}\t{"format": 1, "key"\n`);
  const skipped: string[] = [];
  const reader = new ResponseCache(dir, { onSkipped: (line) => skipped.push(line) });
  assert.deepEqual(reader.get(good), entry(good));
  assert.equal(reader.get(numeric), undefined);
  assert.equal(reader.get(garbled), undefined);
  assert.equal(reader.get(numeric), undefined, "asked again, not reported twice");
  assert.equal(skipped.length, 2);
  assert.match(skipped[0]!, /entry b2b2b2b2b2b2… skipped \(content is a number \(42\), not a string or null\); its request is asked again/);
  assert.match(skipped[1]!, /the line is not JSON/);
});
