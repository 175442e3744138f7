import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { startSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { tempDir } from "../test-support.ts";
import { ResponseCache } from "./cache.ts";
import { runWork, type Endpoint, type WorkItem } from "./run.ts";

type Faults = Partial<SimulatorConfig["faults"]>;

async function simulator(t: TestContext, faults: Faults = {}, latency = 2) {
  const sim = await startSimulator({
    seed: 1,
    latency_ms: { distribution: "fixed", mean: latency },
    faults: { rate_429: 0, retry_after_s: 0, rate_500: 0, rate_reset: 0, rate_hang: 0, rate_non_json: 0, rate_batch_line_error: 0, ...faults },
    models: [
      { name: "sim/reasoner", reasoning: "reasoning", refusal_rate: 0.5, unsafe_thinking_rate: 0.5, thinking_words: 20, answer_words: 20 },
    ],
  } as SimulatorConfig);
  t.after(() => sim.close());
  return sim;
}

const items = (n: number, model = "sim/reasoner"): WorkItem[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `${String(i).padStart(4, "0")}${"0".repeat(60)}`,
    endpoint: "sim",
    body: () => ({ model, messages: [{ role: "user", content: `prompt ${i}` }], max_tokens: 200 }),
  }));

const endpoint = (url: string, concurrency = 16): Endpoint => ({ id: "sim", baseUrls: [url], concurrency, stream: false });

/** Answers recorded in the cache folder (one line each). */
async function cacheFiles(dir: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(join(dir, "responses")).catch(() => [] as string[])) {
    n += (await readFile(join(dir, "responses", name), "utf8")).split("\n").filter(Boolean).length;
  }
  return n;
}

describe("runner against the simulator", () => {
  test("under 10% 429s, 5% 500s, 2% resets and 1% hangs every request completes exactly once", async (t) => {
    const sim = await simulator(t, { rate_429: 0.1, rate_500: 0.05, rate_reset: 0.02, rate_hang: 0.01 });
    const dir = await tempDir(t);
    const settled: string[] = [];
    const results = await runWork(items(400), [endpoint(sim.url)], {
      cache: new ResponseCache(dir),
      timeoutMs: 400,
      maxAttempts: 10,
      sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
      onResult: (item) => settled.push(item.key),
    });
    assert.deepEqual(results.filter((r) => !r.ok), [], "no request failed for good");
    assert.equal(new Set(settled).size, 400);
    assert.equal(settled.length, 400, "each request settled once");
    assert.equal(await cacheFiles(dir), 400);
    const faults = sim.stats().faults;
    assert.ok(faults["429"] > 0 && faults["500"] > 0 && faults.reset > 0 && faults.hang > 0, JSON.stringify(faults));
    assert.ok(results.some((r) => r.ok && r.attempts > 1), "some requests needed retries");
  });

  test("a rerun is answered from the cache and sends no request", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const options = { cache: new ResponseCache(dir), timeoutMs: 2000, maxAttempts: 3 };
    const first = await runWork(items(50), [endpoint(sim.url)], options);
    const sent = sim.stats().requests;
    const second = await runWork(items(50), [endpoint(sim.url)], options);
    assert.equal(sim.stats().requests, sent);
    assert.ok(second.every((r) => r.ok && r.cached));
    assert.deepEqual(
      second.map((r) => r.ok && r.response),
      first.map((r) => r.ok && r.response),
    );
  });

  test("requests sharing a key are asked once", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const same = items(1);
    const results = await runWork([same[0]!, same[0]!, same[0]!], [endpoint(sim.url)], { cache: new ResponseCache(dir), timeoutMs: 2000, maxAttempts: 3 });
    assert.equal(sim.stats().requests, 1);
    assert.equal(results.length, 3);
  });

  test("a 429's Retry-After is waited out", async (t) => {
    const sim = await simulator(t, { rate_429: 1, retry_after_s: 1 });
    const dir = await tempDir(t);
    const started = Date.now();
    const [result] = await runWork(items(1), [endpoint(sim.url)], { cache: new ResponseCache(dir), timeoutMs: 2000, maxAttempts: 3, maxRateLimited: 1 });
    assert.ok(Date.now() - started >= 950, "waited about a second before asking again");
    assert.deepEqual(result, { ok: false, errorKind: "rate_limit", error: result!.ok ? "" : result!.error, attempts: 2 });
  });

  test("errors are recorded per request and never cached", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const results = await runWork(items(3, "sim/unknown"), [endpoint(sim.url)], { cache: new ResponseCache(dir), timeoutMs: 2000, maxAttempts: 3 });
    assert.ok(results.every((r) => !r.ok && r.errorKind === "http_404" && r.attempts === 1), "404 is not retried");
    assert.equal(await cacheFiles(dir), 0);
  });

  test("an endpoint answering HTML is reported as such, not retried", async (t) => {
    const sim = await simulator(t, { rate_non_json: 1 });
    const dir = await tempDir(t);
    const [result] = await runWork(items(1), [endpoint(sim.url)], { cache: new ResponseCache(dir), timeoutMs: 2000, maxAttempts: 3 });
    assert.ok(result && !result.ok);
    assert.equal(result.errorKind, "invalid_response");
    assert.match(result.error, /answered text\/html.*, not a chat completion .*is base_url the API root/);
  });

  test("streamed and whole responses carry the same content, usage and the simulated mark", async (t) => {
    const sim = await simulator(t);
    const [whole] = await runWork(items(1), [endpoint(sim.url)], { cache: new ResponseCache(await tempDir(t)), timeoutMs: 2000, maxAttempts: 3 });
    const [streamed] = await runWork(items(1), [{ ...endpoint(sim.url), stream: true }], { cache: new ResponseCache(await tempDir(t)), timeoutMs: 2000, maxAttempts: 3 });
    assert.ok(whole?.ok && streamed?.ok);
    const strip = ({ latency_ms: _l, ...rest }: typeof whole.response) => rest;
    assert.deepEqual(strip(streamed.response), strip(whole.response));
    assert.equal(whole.response.simulated, true);
    assert.ok(whole.response.reasoning && whole.response.content?.startsWith("[simulated]"));
  });

  test("replicas share the load", async (t) => {
    const a = await simulator(t, {}, 5);
    const b = await simulator(t, {}, 5);
    await runWork(items(100), [{ id: "sim", baseUrls: [a.url, b.url], concurrency: 4, stream: false }], {
      cache: new ResponseCache(await tempDir(t)),
      timeoutMs: 2000,
      maxAttempts: 3,
    });
    const [na, nb] = [a.stats().requests, b.stats().requests];
    assert.equal(na + nb, 100);
    assert.ok(na >= 30 && nb >= 30, `${na} / ${nb}`);
  });
});
