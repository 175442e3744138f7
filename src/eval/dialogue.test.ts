// LlamaV-o1's dialogue through the whole engine: rounds of turns over HTTP, online and as OpenAI
// batches, cached per turn, resumed after a SIGKILL asking only the turns without a reply.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { parseExperiment } from "../experiments/load.ts";
import { startSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { Database } from "../duckdb/database.ts";
import { tempDir } from "../test-support.ts";
import { runExperiment } from "./run-experiment.ts";

const BIN = fileURLToPath(new URL("../cli/bin.js", import.meta.url));

async function simulator(t: TestContext, latency = 0) {
  const sim = await startSimulator({
    seed: 5,
    latency_ms: { distribution: "fixed", mean: latency },
    batch: { validating_ms: 5, in_progress_ms: 20 },
    models: [
      { name: "sim/llamav-o1", reasoning: "think_tags", format: "llamav-o1", refusal_rate: 0.4, thinking_words: 30, answer_words: 20 },
      { name: "sim/llama", reasoning: "none", format: "llama-vision", refusal_rate: 0.7, answer_words: 20 },
    ],
  } as SimulatorConfig);
  t.after(() => sim.close());
  return sim;
}

const yaml = (url: string, { mode = "online", limit = 6 } = {}) => `id: dialogue
models:
  - {id: llamav-o1, profile: llamav-o1, model: sim/llamav-o1, base_url: "${url}", base: llama, mode: ${mode}}
  - {id: llama, profile: llama-vision, model: sim/llama, base_url: "${url}"}
benchmarks: [{id: figstep, subset: tiny, limit: ${limit}}]
concurrency: 2
batch_poll_s: 0.02
timeout_s: 10
`;

async function rows(file: string): Promise<Record<string, unknown>[]> {
  const db = await Database.open();
  try {
    return await db.rows(`SELECT * FROM read_parquet('${file}') ORDER BY model_id, sample_id`);
  } finally {
    db.close();
  }
}

const chats = (sim: { stats(): { byModel: Record<string, number> } }, model = "sim/llamav-o1") => sim.stats().byModel[model] ?? 0;

describe("dialogues", () => {
  test("every turn is asked after the one before; the rows hold the three thinking turns and the answer", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const log: string[] = [];
    const summary = await runExperiment(parseExperiment(yaml(sim.url), "d.yaml"), { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), log: (l) => log.push(l), calibrate: false });
    assert.equal(summary.errors, 0);
    assert.equal(chats(sim), 6 * 4, "four turns per dialogue");
    assert.equal(chats(sim, "sim/llama"), 6);
    assert.ok(log.some((l) => /dialogue turn 4 of 4: 6 dialogues/.test(l)), log.join("\n"));
    const all = await rows(summary.responsesFile);
    const dialogue = all.filter((r) => r.model_id === "llamav-o1");
    for (const row of dialogue) {
      assert.equal(row.profile, "llamav-o1");
      assert.equal(row.reasoning_source, "dialogue_turns");
      assert.match(row.thinking as string, /^Summary:\n.+\n\nCaption:\n.+\n\nReasoning:\n.+$/s);
      assert.match(row.answer as string, /^\[simulated\] /);
      assert.equal(row.thinking_complete, true);
      assert.ok((row.prompt_tokens as number) > 0, "tokens summed over the turns");
    }
    for (const row of all.filter((r) => r.model_id === "llama")) assert.deepEqual([row.profile, row.thinking, row.reasoning_source], ["llama-vision", null, "none"]);
    const manifest = JSON.parse(await readFile(summary.manifestFile, "utf8")) as { endpoints: Array<{ model_id: string; profile: string; profile_sha256: string }> };
    assert.deepEqual(manifest.endpoints.map((e) => [e.model_id, e.profile]), [["llamav-o1", "llamav-o1"], ["llama", "llama-vision"]]);
    assert.ok(manifest.endpoints.every((e) => /^[0-9a-f]{64}$/.test(e.profile_sha256)));
    // A rerun asks nothing: every turn is cached.
    const again = await runExperiment(parseExperiment(yaml(sim.url), "d.yaml"), { outDir: join(dir, "again"), cacheDir: join(dir, "cache"), log: () => {}, calibrate: false });
    assert.equal(again.fromCache, 12);
    assert.equal(chats(sim), 24);
    assert.deepEqual(await rows(again.responsesFile), all.map((r) => ({ ...r })));
  });

  test("in batch mode the turns go as successive batches and give the rows online mode gives", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const log: string[] = [];
    const batched = await runExperiment(parseExperiment(yaml(sim.url, { mode: "batch", limit: 3 }), "b.yaml"), { outDir: join(dir, "b"), cacheDir: join(dir, "cb"), log: (l) => log.push(l), calibrate: false });
    const online = await runExperiment(parseExperiment(yaml(sim.url, { limit: 3 }), "o.yaml"), { outDir: join(dir, "o"), cacheDir: join(dir, "co"), log: () => {}, calibrate: false });
    assert.equal(batched.errors, 0);
    assert.equal(log.filter((line) => /llamav-o1: batch_\w+: created for 3 requests/.test(line)).length, 4, log.join("\n"));
    const strip = (list: Record<string, unknown>[]) => list.map(({ latency_ms: _l, experiment_hash: _h, ...rest }) => rest);
    assert.deepEqual(strip(await rows(batched.responsesFile)), strip(await rows(online.responsesFile)));
  });

  test("a run killed mid-dialogue resumes asking only the turns it has no reply for", async (t) => {
    const sim = await simulator(t, 30);
    const dir = await tempDir(t);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, yaml(sim.url, { limit: 20 }));
    const args = ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache"), "--no-calibrate"];
    const run = () => {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      return { child, exited: new Promise<number | null>((resolve) => child.on("exit", resolve)), output: () => output };
    };
    // 20 dialogues of 4 turns at 30 ms, 2 at a time: kill it in the second round.
    const first = run();
    while (chats(sim) < 28) await new Promise((resolve) => setTimeout(resolve, 10));
    first.child.kill("SIGKILL");
    await first.exited;
    const askedBeforeKill = chats(sim);
    let recorded = 0;
    for (const name of await readdir(join(dir, "cache", "responses"))) {
      for (const line of (await readFile(join(dir, "cache", "responses", name), "utf8")).split("\n")) if (line.includes('"served_model":"sim/llamav-o1"')) recorded++;
    }
    assert.ok(recorded >= 20 && recorded < 80, `recorded ${recorded} turns before the kill`);
    const second = run();
    assert.equal(await second.exited, 0, second.output());
    assert.equal(chats(sim) - askedBeforeKill, 80 - recorded, "only the turns without a cached reply are asked again");
    const dialogue = (await rows(join(dir, "out", "responses.parquet"))).filter((r) => r.model_id === "llamav-o1");
    assert.equal(dialogue.length, 20);
    assert.ok(dialogue.every((r) => r.error === null && r.reasoning_source === "dialogue_turns" && /^Summary:/.test(r.thinking as string)));
  });
  test("an image over the pixel limit fails a dialogue's row before any turn is sent, as it fails a single request's", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    // FigStep's renders are 760×760 (0.58 MP): over a 0.1 MP limit.
    const experiment = parseExperiment(`${yaml(sim.url, { limit: 2 })}limits: {image_megapixels: 0.1}\n`, "d.yaml");
    const summary = await runExperiment(experiment, { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), log: () => {}, calibrate: false });
    assert.equal(chats(sim) + chats(sim, "sim/llama"), 0, "nothing was sent");
    const all = await rows(summary.responsesFile);
    assert.deepEqual(all.map((r) => [r.model_id, r.error_kind]), [["llama", "image_too_large"], ["llama", "image_too_large"], ["llamav-o1", "image_too_large"], ["llamav-o1", "image_too_large"]]);
    assert.ok(all.every((r) => /pixels \(0\.6 MP\) is over the 0\.1 MP limit/.test(String(r.error))), String(all[0]!.error));
  });
});
