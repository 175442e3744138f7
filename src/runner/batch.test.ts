import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { startSimulator, type RunningSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { tempDir } from "../test-support.ts";
import { runBatch, type BatchOptions } from "./batch.ts";
import { ResponseCache } from "./cache.ts";
import { runWork, type Endpoint, type Result, type WorkItem } from "./run.ts";

async function simulator(t: TestContext, rateBatchLineError = 0): Promise<RunningSimulator> {
  const sim = await startSimulator({
    seed: 1,
    latency_ms: { distribution: "fixed", mean: 1 },
    faults: { rate_429: 0, retry_after_s: 0, rate_500: 0, rate_reset: 0, rate_hang: 0, rate_non_json: 0, rate_batch_line_error: rateBatchLineError },
    batch: { validating_ms: 30, in_progress_ms: 50 },
    models: [
      { name: "sim/reasoner", reasoning: "reasoning", refusal_rate: 0.5, unsafe_thinking_rate: 0.5, thinking_words: 20, answer_words: 20 },
      { name: "sim/kimi", reasoning: "reasoning_content", refusal_rate: 0.5, unsafe_thinking_rate: 0.5, thinking_words: 20, answer_words: 20 },
      { name: "sim/base", reasoning: "none", refusal_rate: 0.5, unsafe_thinking_rate: 0.5, thinking_words: 20, answer_words: 20 },
    ],
  } as SimulatorConfig);
  t.after(() => sim.close());
  return sim;
}

/** Forwards to the simulator and counts requests by method and path, which its stats do not break down. */
async function countingProxy(t: TestContext, sim: RunningSimulator): Promise<{ url: string; count: (route: string) => number }> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const route = `${req.method} ${req.url}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
    const upstream = request({ host: "127.0.0.1", port: sim.port, path: req.url, method: req.method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, count: (route) => counts.get(route) ?? 0 };
}

const key = (label: string) => createHash("sha256").update(label).digest("hex");

const items = (n: number, models = ["sim/reasoner"]): WorkItem[] =>
  Array.from({ length: n }, (_, i) => {
    const model = models[i % models.length]!;
    return {
      key: key(`${model} ${i}`),
      endpoint: "sim",
      body: () => ({ model, messages: [{ role: "user", content: `prompt ${String(i).padStart(3, "0")}` }], max_tokens: 200 }),
    };
  });

const endpoint = (url: string, stream = false): Endpoint => ({ id: "sim", baseUrls: [url], concurrency: 8, stream });

function options(dir: string, extra: Partial<BatchOptions> = {}): BatchOptions {
  return { cache: new ResponseCache(dir), pollIntervalMs: 20, timeoutMs: 5000, ...extra };
}

async function stateFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, "batches")).catch(() => [] as string[])).filter((name) => name.endsWith(".json"));
}

const failures = (results: Result[]) => results.flatMap((r, i) => (r.ok ? [] : [i]));

describe("runBatch against the simulator", () => {
  test("answers every request once, caches it, and matches the online runner field for field", async (t) => {
    const sim = await simulator(t);
    const proxy = await countingProxy(t, sim);
    const dir = await tempDir(t);
    const work = items(9, ["sim/reasoner", "sim/kimi", "sim/base"]);
    const withDuplicate = [...work, work[4]!];
    const settled: string[] = [];
    const results = await runBatch(withDuplicate, endpoint(proxy.url), options(dir, { onResult: (item) => settled.push(item.key) }));

    assert.equal(results.length, 10);
    assert.deepEqual(failures(results), []);
    assert.ok(results.every((r) => r.ok && !r.cached && r.attempts === 1 && r.response.latency_ms === 0 && r.response.simulated));
    assert.deepEqual(results[9], results[4], "a duplicated key gets its twin's answer");
    assert.equal(settled.length, 10);
    assert.equal(proxy.count("POST /v1/files"), 1);
    assert.equal(proxy.count("POST /v1/batches"), 1);
    assert.deepEqual(await stateFiles(dir), []);

    const reread = new ResponseCache(dir);
    for (const [i, item] of work.entries()) {
      const result = results[i]!;
      assert.ok(result.ok);
      assert.deepEqual(reread.get(item.key), result.response);
    }
    const fields = new Set(results.flatMap((r) => (r.ok ? Object.entries(r.response).filter(([, v]) => v !== null).map(([k]) => k) : [])));
    for (const field of ["content", "reasoning", "reasoning_content", "finish_reason", "prompt_tokens", "completion_tokens", "served_model"]) {
      assert.ok(fields.has(field), `some answer has ${field}`);
    }

    for (const stream of [false, true]) {
      const online = await runWork(work, [endpoint(sim.url, stream)], { cache: new ResponseCache(await tempDir(t)), timeoutMs: 5000, maxAttempts: 1 });
      const withoutLatency = (r: Result | undefined) => r?.ok && { ...r.response, latency_ms: 0 };
      assert.deepEqual(work.map((_, i) => withoutLatency(results[i])), online.map(withoutLatency), `stream: ${stream}`);
    }
  });

  test("a rerun is answered from the cache and sends nothing", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const first = await runBatch(items(6), endpoint(sim.url), options(dir));
    const sent = sim.stats().requests;
    const second = await runBatch(items(6), endpoint(sim.url), options(dir));
    assert.equal(sim.stats().requests, sent);
    assert.ok(second.every((r) => r.ok && r.cached && r.attempts === 0));
    assert.deepEqual(second.map((r) => r.ok && r.response), first.map((r) => r.ok && r.response));
  });

  test("failed lines are errors, never cached, and a rerun sends only them", async (t) => {
    const dir = await tempDir(t);
    const work = items(20);
    const first = await runBatch(work, endpoint((await simulator(t, 0.3)).url), options(dir));
    const failed = failures(first);
    assert.ok(failed.length > 0 && failed.length < 20, `${failed.length} of 20 failed`);
    for (const i of failed) {
      assert.deepEqual(first[i], { ok: false, errorKind: "batch_server_error", error: "The request failed (simulated batch line error).", attempts: 1 });
      assert.equal(new ResponseCache(dir).get(work[i]!.key), undefined);
    }

    // The simulator fails the same lines again, so the retry goes to one without line errors.
    const status: string[] = [];
    const second = await runBatch(work, endpoint((await simulator(t)).url), options(dir, { onStatus: (line) => status.push(line) }));
    assert.deepEqual(failures(second), []);
    assert.deepEqual(second.flatMap((r, i) => (r.ok && !r.cached ? [i] : [])), failed);
    assert.ok(status.some((line) => line.endsWith(`: completed ${failed.length}/${failed.length}`)), status.join("\n"));
  });

  test("an unknown model gets error lines, the other requests their answers", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const results = await runBatch(items(6, ["sim/reasoner", "sim/nope"]), endpoint(sim.url), options(dir));
    assert.deepEqual(failures(results), [1, 3, 5]);
    for (const i of [1, 3, 5]) {
      assert.deepEqual(results[i], { ok: false, errorKind: "batch_model_not_found", error: "The model `sim/nope` does not exist.", attempts: 1 });
    }
  });

  test("requests are split by maxLinesPerBatch and by maxBytesPerBatch", async (t) => {
    const sim = await simulator(t);
    const byLines = await countingProxy(t, sim);
    const results = await runBatch(items(20), endpoint(byLines.url), options(await tempDir(t), { maxLinesPerBatch: 7 }));
    assert.deepEqual(failures(results), []);
    assert.equal(byLines.count("POST /v1/files"), 3);
    assert.equal(byLines.count("POST /v1/batches"), 3);

    const byBytes = await countingProxy(t, sim);
    const work = items(6);
    const lineBytes = Buffer.byteLength(`${JSON.stringify({ custom_id: work[0]!.key, method: "POST", url: "/v1/chat/completions", body: work[0]!.body() })}\n`);
    const split = await runBatch(work, endpoint(byBytes.url), options(await tempDir(t), { maxBytesPerBatch: 2 * lineBytes }));
    assert.deepEqual(failures(split), []);
    assert.equal(byBytes.count("POST /v1/batches"), 3);
  });

  test("a batch cancelled on the server fails its requests, and a rerun sends them again", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const cancel = (line: string) => {
      const id = /^(\S+): created/.exec(line)?.[1];
      if (id) void fetch(`${sim.url}/batches/${id}/cancel`, { method: "POST" });
    };
    const first = await runBatch(items(4), endpoint(sim.url), options(dir, { onStatus: cancel }));
    assert.ok(first.every((r) => !r.ok && r.errorKind === "batch_cancelled"), JSON.stringify(first[0]));
    assert.deepEqual(await stateFiles(dir), []);
    const second = await runBatch(items(4), endpoint(sim.url), options(dir));
    assert.deepEqual(failures(second), []);
  });

  test("a run stopped after creating its batch is resumed by the next run without a new upload", async (t) => {
    const sim = await simulator(t);
    const proxy = await countingProxy(t, sim);
    const dir = await tempDir(t);
    const stop = new AbortController();
    const created: string[] = [];
    const stopAfterCreating = (line: string) => {
      const id = /^(\S+): created/.exec(line)?.[1];
      if (id) {
        created.push(id);
        stop.abort();
      }
    };
    await assert.rejects(runBatch(items(5), endpoint(proxy.url), options(dir, { signal: stop.signal, onStatus: stopAfterCreating })), { name: "AbortError" });
    assert.equal(created.length, 1);
    const [state] = await stateFiles(dir);
    assert.equal(JSON.parse(await readFile(join(dir, "batches", state!), "utf8")).batch_id, created[0]);

    const status: string[] = [];
    const results = await runBatch(items(5), endpoint(proxy.url), options(dir, { onStatus: (line) => status.push(line) }));
    assert.deepEqual(failures(results), []);
    assert.ok(status.includes(`${created[0]}: resuming (5 requests)`), status.join("\n"));
    assert.equal(proxy.count("POST /v1/files"), 1);
    assert.equal(proxy.count("POST /v1/batches"), 1);
    assert.deepEqual(await stateFiles(dir), []);
  });

  test("a window's recorded batch is resumed even when an earlier window's requests changed", async (t) => {
    const sim = await simulator(t);
    const proxy = await countingProxy(t, sim);
    const dir = await tempDir(t);
    const work = items(10);
    const stop = new AbortController();
    const created: string[] = [];
    const stopAfterBoth = (line: string) => {
      const id = /^(\S+): created/.exec(line)?.[1];
      if (id && created.push(id) === 2) stop.abort();
    };
    const windowed = (extra: Partial<BatchOptions>) => options(dir, { maxLinesPerBatch: 5, ...extra });
    await assert.rejects(runBatch(work, endpoint(proxy.url), windowed({ signal: stop.signal, onStatus: stopAfterBoth })));
    // Some of the first window's answers arrive by another route, so that window's chunk changes.
    await runWork(work.slice(0, 3), [endpoint(sim.url)], { cache: new ResponseCache(dir), timeoutMs: 5000, maxAttempts: 1 });

    const status: string[] = [];
    const results = await runBatch(work, endpoint(proxy.url), windowed({ onStatus: (line) => status.push(line) }));
    assert.deepEqual(failures(results), []);
    assert.ok(status.includes(`${created[1]}: resuming (5 requests)`), status.join("\n"));
    assert.equal(proxy.count("POST /v1/batches"), 3, "the first window's two open requests went in a new batch");
  });

  test("a recorded batch the server does not know is sent again", async (t) => {
    const dir = await tempDir(t);
    const stop = new AbortController();
    const stopAfterCreating = (line: string) => void (/: created/.test(line) && stop.abort());
    const first = await simulator(t);
    await assert.rejects(runBatch(items(3), endpoint(first.url), options(dir, { signal: stop.signal, onStatus: stopAfterCreating })));
    assert.equal((await stateFiles(dir)).length, 1);

    const other = await countingProxy(t, await simulator(t));
    const status: string[] = [];
    const results = await runBatch(items(3), endpoint(other.url), options(dir, { onStatus: (line) => status.push(line) }));
    assert.deepEqual(failures(results), []);
    assert.ok(status.some((line) => line.endsWith("unknown to the server; sending its 3 requests again")), status.join("\n"));
    assert.equal(other.count("POST /v1/batches"), 1);
    assert.deepEqual(await stateFiles(dir), []);
  });
});
