import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { startSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { Database } from "../duckdb/database.ts";
import { tempDir } from "../test-support.ts";
import { parseExperiment } from "../experiments/load.ts";
import { mergeShards } from "./merge.ts";
import { runExperiment } from "./run-experiment.ts";

const BIN = fileURLToPath(new URL("../cli/bin.js", import.meta.url));
const SECRET = "sk-thinksafe-test-0123456789abcdef";

async function simulator(t: TestContext, latency: number) {
  const sim = await startSimulator({
    seed: 3,
    latency_ms: { distribution: "fixed", mean: latency },
    faults: { rate_429: 0, retry_after_s: 0, rate_500: 0, rate_reset: 0, rate_hang: 0, rate_non_json: 0, rate_batch_line_error: 0 },
    models: [
      { name: "sim/reasoner", reasoning: "think_tags", refusal_rate: 0.4, unsafe_thinking_rate: 0.5, thinking_words: 30, answer_words: 30 },
      { name: "sim/base", reasoning: "none", refusal_rate: 0.7, unsafe_thinking_rate: 0, thinking_words: 16, answer_words: 30 },
    ],
  } as SimulatorConfig);
  t.after(() => sim.close());
  return sim;
}

const experimentYaml = (url: string, { limit = 50, repeats = 2, concurrency = 4 } = {}) => `id: resume-test
models:
  - id: reasoner
    model: sim/reasoner
    base_url: ${url}
    api_key_env: THINKSAFE_TEST_KEY
    base: base
  - id: base
    model: sim/base
    base_url: ${url}
    api_key_env: THINKSAFE_TEST_KEY
benchmarks:
  - {id: figstep, subset: tiny, limit: ${limit}}
repeats: ${repeats}
concurrency: ${concurrency}
timeout_s: 10
`;

function runCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function responseRows(file: string) {
  const db = await Database.open();
  try {
    return await db.rows(`SELECT model_id, sample_id, repeat, thinking, answer, error, cache_key, is_simulated FROM '${file}' ORDER BY ALL`);
  } finally {
    db.close();
  }
}

describe("thinksafe eval", () => {
  test("a run killed with SIGKILL resumes without re-asking what was recorded, and never leaks the key", async (t) => {
    const sim = await simulator(t, 40);
    const dir = await tempDir(t);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, experimentYaml(sim.url));
    const args = ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")];
    const env = { THINKSAFE_TEST_KEY: SECRET };

    // 200 requests at 40 ms, 4 at a time: about 2 s. Kill it halfway.
    const first = runCli(args, env);
    while (sim.stats().requests < 80) await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill("SIGKILL");
    await first.exited;
    const chats = () => Object.values(sim.stats().byModel).reduce((a, b) => a + b, 0);
    const askedBeforeKill = chats();
    let recorded = 0;
    // Answers only: the cache folder also holds the image store (images/), whose lines are hashes.
    for (const segment of await allFiles(join(dir, "cache", "responses"))) recorded += (await readFile(segment, "utf8")).split("\n").filter((line) => line.endsWith("}")).length;
    assert.ok(recorded > 0 && recorded < 200, `recorded ${recorded} before the kill`);

    const second = runCli(args, env);
    assert.equal(await second.exited, 0, second.output());
    const askedAgain = chats() - askedBeforeKill;
    assert.equal(askedAgain, 200 - recorded, "only what was not recorded is asked again");

    const rows = await responseRows(join(dir, "out", "responses.parquet"));
    assert.equal(rows.length, 200);
    assert.equal(new Set(rows.map((r) => `${r.model_id}/${r.sample_id}/${r.repeat}`)).size, 200, "no duplicate rows");
    assert.ok(rows.every((r) => r.error === null && r.is_simulated === true));
    assert.ok(rows.filter((r) => r.model_id === "reasoner").every((r) => typeof r.thinking === "string" && (r.thinking as string).length > 0));
    assert.ok(rows.filter((r) => r.model_id === "base").every((r) => r.thinking === null));

    // The key was sent (the server saw it), yet it is in no output, cache entry or log line.
    for (const path of await allFiles(dir)) {
      assert.ok(!(await readFile(path)).includes(SECRET), `${path} contains the API key`);
    }
    assert.ok(!first.output().includes(SECRET) && !second.output().includes(SECRET));
    const manifest = JSON.parse(await readFile(join(dir, "out", "manifest.json"), "utf8"));
    assert.equal(manifest.endpoints[0].api_key_env, "THINKSAFE_TEST_KEY");
    assert.deepEqual(manifest.counts, { rows: 200, answered: 200 - recorded, from_cache: recorded, errors: 0, error_kinds: {} });
  });

  test("a rerun into the same --out finds the cache the first run used, from any directory", async (t) => {
    const sim = await simulator(t, 1);
    const dir = await tempDir(t);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, experimentYaml(sim.url, { limit: 3, repeats: 1 }));
    const env = { THINKSAFE_TEST_KEY: "k", THINKSAFE_CACHE_DIR: "" };
    const first = runCli(["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "elsewhere")], env);
    assert.equal(await first.exited, 0, first.output());
    const asked = sim.stats().requests;
    const again = runCli(["eval", file, "--out", join(dir, "out")], env);
    assert.equal(await again.exited, 0, again.output());
    assert.equal(sim.stats().requests - asked, 1, "only the endpoint check: every answer came from the first run's cache");
    assert.match(again.output(), /6 from cache/);
  });

  test("the same inputs give the same Parquet bytes, from the cache or not", async (t) => {
    const sim = await simulator(t, 1);
    const dir = await tempDir(t);
    const experiment = parseExperiment(experimentYaml(sim.url, { limit: 5, repeats: 1 }), "exp.yaml");
    const options = (out: string) => ({ outDir: join(dir, out), cacheDir: join(dir, "cache"), env: { THINKSAFE_TEST_KEY: "k" }, log: () => {} });
    const first = await runExperiment(experiment, options("a"));
    const second = await runExperiment(experiment, options("b"));
    assert.equal(first.answered, 10);
    assert.equal(second.fromCache, 10);
    assert.ok((await readFile(first.responsesFile)).equals(await readFile(second.responsesFile)));
  });

  test("an unset key variable and an unreachable endpoint become error rows and exit 1; answers are kept", async (t) => {
    const sim = await simulator(t, 1);
    const closedPort = await freePort();
    const dir = await tempDir(t);
    const file = join(dir, "experiment.yaml");
    await writeFile(
      file,
      `id: partial
models:
  - {id: answers, model: sim/reasoner, base_url: "${sim.url}"}
  - {id: unreachable, model: sim/base, base_url: "http://127.0.0.1:${closedPort}/v1"}
  - {id: keyless, model: sim/base, base_url: "${sim.url}", api_key_env: THINKSAFE_UNSET_KEY}
benchmarks: [{id: figstep, subset: tiny, limit: 3}]
`,
    );
    const run = runCli(["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")], {});
    assert.equal(await run.exited, 1);
    assert.match(run.output(), new RegExp(`unreachable: http://127\\.0\\.0\\.1:${closedPort}/v1 is unreachable \\(ECONNREFUSED\\)`));
    assert.match(run.output(), /keyless: the environment variable THINKSAFE_UNSET_KEY \(api_key_env\) is not set/);
    const rows = await responseRows(join(dir, "out", "responses.parquet"));
    assert.deepEqual(
      rows.map((r) => [r.model_id, r.error === null]),
      [["answers", true], ["answers", true], ["answers", true], ["keyless", false], ["keyless", false], ["keyless", false], ["unreachable", false], ["unreachable", false], ["unreachable", false]],
    );
  });

  test("an endpoint that answers HTML is named, with what to check, before any request", async (t) => {
    const server = createHttpServer((_request, response) => response.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    t.after(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = await tempDir(t);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, `id: html\nmodels: [{id: m, model: x, base_url: "${url}"}]\nbenchmarks: [{id: figstep, subset: tiny, limit: 2}]\n`);
    const run = runCli(["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")], {});
    assert.equal(await run.exited, 1);
    assert.match(run.output(), new RegExp(`m: ${url}/models answered text/html \\(HTTP 200\\), not JSON: is base_url the API root, ending in /v1\\?`));
  });

  test("an unknown field in the spec stops before any request, exit 2", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, experimentYaml("http://127.0.0.1:1/v1").replace("repeats:", "repeatz:"));
    const run = runCli(["eval", file, "--out", join(dir, "out")], {});
    assert.equal(await run.exited, 2);
    assert.match(run.output(), /experiment\.yaml:\d+: repeatz: unknown field/);
  });
});

describe("batch mode", () => {
  test("a batch-mode model is answered through the Batch API into the same rows as online", async (t) => {
    const sim = await startSimulator({
      batch: { validating_ms: 10, in_progress_ms: 30 },
      models: [{ name: "sim/reasoner", reasoning: "reasoning_content", refusal_rate: 0.4 }],
    } as SimulatorConfig);
    t.after(() => sim.close());
    const dir = await tempDir(t);
    const yaml = (mode: string) =>
      `id: batch\nmodels: [{id: m, model: sim/reasoner, base_url: "${sim.url}", mode: ${mode}}]\nbenchmarks: [{id: figstep, subset: tiny, limit: 4}]\nbatch_poll_s: 0.02\n`;
    const log: string[] = [];
    const batched = await runExperiment(parseExperiment(yaml("batch"), "b.yaml"), { outDir: join(dir, "b"), cacheDir: join(dir, "cb"), log: (l) => log.push(l) });
    const online = await runExperiment(parseExperiment(yaml("online"), "o.yaml"), { outDir: join(dir, "o"), cacheDir: join(dir, "co"), log: () => {} });
    assert.equal(batched.answered, 4);
    assert.ok(log.some((line) => /m: batch_\w+: /.test(line)), log.join("\n"));
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ latency_ms: _l, ...rest }) => rest);
    assert.deepEqual(strip(await responseRows(batched.responsesFile)), strip(await responseRows(online.responsesFile)));
  });
});

describe("shards", () => {
  test("shards on separate machines merge into the bytes an unsharded run gives from their pooled caches", async (t) => {
    const sim = await simulator(t, 1);
    const dir = await tempDir(t);
    const experiment = parseExperiment(experimentYaml(sim.url, { limit: 10, repeats: 2 }), "exp.yaml");
    const base = { env: { THINKSAFE_TEST_KEY: "k" }, log: () => {} };
    const rows = [];
    for (const index of [1, 2, 3]) {
      // Each shard on its own "machine": its own cache and output folder.
      const summary = await runExperiment(experiment, { ...base, outDir: join(dir, `m${index}`), cacheDir: join(dir, `cache-${index}`), shard: { index, count: 3 } });
      assert.match(summary.responsesFile, new RegExp(`responses\\.shard-${index}-of-3\\.parquet$`));
      rows.push(summary.rows);
    }
    assert.equal(rows.reduce((a, b) => a + b, 0), 40, "shards partition the 2 models × 10 samples × 2 repeats");
    assert.ok(rows.every((n) => n > 0));

    await assert.rejects(mergeShards(experiment, join(dir, "m1"), [join(dir, "m2")]), /shard 3 of 3 missing/);
    const merged = await mergeShards(experiment, join(dir, "m1"), [join(dir, "m2"), join(dir, "m3")]);
    assert.equal(merged.rows, 40);

    // Caches merge by copying their segment files together; the unsharded run then asks nothing.
    for (const index of [1, 2, 3]) await cp(join(dir, `cache-${index}`), join(dir, "pooled"), { recursive: true });
    const asked = sim.stats().requests;
    const whole = await runExperiment(experiment, { ...base, outDir: join(dir, "whole"), cacheDir: join(dir, "pooled") });
    assert.equal(whole.fromCache, 40);
    assert.equal(sim.stats().requests - asked, 1, "only the endpoint check");
    assert.ok((await readFile(merged.responsesFile)).equals(await readFile(whole.responsesFile)), "merged bytes equal the unsharded run's");
  });
});
