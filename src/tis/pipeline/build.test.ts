import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULT_SIMULATOR_CONFIG, startSimulator, type SimulatorConfig } from "../../simulator/index.ts";
import { Database } from "../../duckdb/database.ts";
import { SpecError } from "../../errors.ts";
import { tempDir } from "../../test-support.ts";
import { releaseInput } from "../index.ts";
import { buildTis, loadTisBuild, type TisBuildSummary } from "./index.ts";
import { harmJudgeInput } from "./build.ts";
import { buildJudgePrompt, loadRubrics } from "../../judges/llm-judge.ts";
import { llamaGuardMessages } from "../../judges/llama-guard.ts";
import { parseThinkAnswer, refusalPhrase, wordCount } from "./filters.ts";
import type { TisRecord } from "./tables.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DEMO = join(ROOT, "experiments/tis-demo.yaml");
const SECRET = "sk-thinksafe-tis-test-0123456789";
const STAGE_TABLES = ["spec", "captions", "answers", "filtered"] as const;

/** Rows of a query over one Parquet file, named FILE in the query. */
async function rows(file: string, sql = "SELECT * FROM FILE"): Promise<Record<string, unknown>[]> {
  const db = await Database.open();
  try {
    return await db.rows(sql.replace("FILE", `'${file.replaceAll("'", "''")}'`));
  } finally {
    db.close();
  }
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Keys of the answers stored in a cache folder (complete lines only, as the cache reads them). */
async function cachedKeys(cacheDir: string): Promise<Set<string>> {
  const keys = new Set<string>();
  if (!existsSync(cacheDir)) return keys;
  for (const file of await allFiles(cacheDir)) {
    for (const line of (await readFile(file, "utf8")).split("\n")) if (line.endsWith("}")) keys.add(line.slice(0, 64));
  }
  return keys;
}

describe("thinksafe tis build", () => {
  test("the demo builds offline through the simulator: every stage table, every filter dropping something, a TiS release file", async (t) => {
    const dir = await tempDir(t);
    const build = await loadTisBuild(DEMO);
    const quiet = { cacheDir: join(dir, "cache"), log: () => {} };
    const summary = await buildTis(build, { ...quiet, outDir: join(dir, "out") });
    const out = join(dir, "out");

    const spec = await rows(join(out, "spec.parquet"));
    assert.deepEqual(spec.map((r) => r.section).filter((s) => s === "request_kind").length, 3);
    assert.equal(spec.filter((r) => r.section === "harm_category").length, build.safetySpec.content.harm_categories.length);

    // 40 items, one a duplicate: 39 captioned (8 distinct images, one request each) and answered.
    const captions = await rows(join(out, "captions.parquet"));
    const answers = await rows(join(out, "answers.parquet"));
    assert.equal(captions.length, 39);
    assert.equal(answers.length, 39);
    assert.equal(summary.captions.requests, 8);
    assert.equal(summary.answers.requests, 39);
    assert.ok(captions.every((r) => r.is_simulated === true && String(r.caption).startsWith("[simulated]")));
    assert.ok(answers.every((r) => r.is_simulated === true && r.error === null && String(r.text).includes("[simulated]")));

    const filtered = await rows(join(out, "filtered.parquet"), "SELECT * FROM FILE ORDER BY position");
    assert.equal(filtered.length, 40);
    const reasons = new Map<string, number>();
    for (const r of filtered) if (r.drop_reason) reasons.set(String(r.drop_reason), (reasons.get(String(r.drop_reason)) ?? 0) + 1);
    for (const reason of ["duplicate", "malformed_tags", "thinking_too_short", "harmful_complied", "benign_refused"]) {
      assert.ok(reasons.get(reason), `the demo drops something for ${reason}`);
    }
    assert.deepEqual(Object.fromEntries(reasons), summary.dropped);
    assert.ok(filtered.every((r) => (r.kept === true) === (r.drop_reason === null) && (r.drop_reason === null) === (r.drop_detail === null)), "every dropped row says why");
    assert.equal(filtered.find((r) => r.drop_reason === "duplicate")!.duplicate_of, "demo/ad-1");

    // What was kept meets every rule.
    const kept = filtered.filter((r) => r.kept);
    assert.equal(kept.length, summary.kept);
    for (const r of kept) {
      assert.ok((r.thinking_words as number) >= 40, `${r.item_id} thinks long enough`);
      if (r.refusal_check === "harmful") assert.equal(r.judge_verdict, "safe", `${r.item_id}: harmful items are refused`);
      if (r.refusal_check === "benign") assert.equal(refusalPhrase(String(r.answer)), null, `${r.item_id}: benign items are not refused`);
    }

    // The release file: LLaMA-Factory sharegpt records, one <image> per image, images copied beside it.
    const tis = JSON.parse(await readFile(join(out, "tis.json"), "utf8")) as TisRecord[];
    assert.equal(tis.length, kept.length);
    tis.forEach((record, i) => {
      assert.deepEqual(Object.keys(record), ["conversations", "images"]);
      const [human, gpt] = record.conversations;
      assert.equal(human.from, "human");
      assert.equal(gpt.from, "gpt");
      assert.equal(human.value, `${"<image>".repeat(record.images.length)}${kept[i]!.question}`);
      assert.match(gpt.value, /^<think>\n\[simulated\][^]+\n<\/think>\n\[simulated\] \S/);
      const parsed = parseThinkAnswer(gpt.value);
      assert.ok(parsed.ok && parsed.thinking === kept[i]!.thinking && parsed.answer === kept[i]!.answer);
      assert.deepEqual(record.images, kept[i]!.images);
      for (const image of record.images) assert.ok(existsSync(join(out, image)), `${image} is copied into the output`);
    });

    // The TiS import reads it back as it reads the release: the same questions, thinking, answers and images.
    const imported = await releaseInput(join(out, "tis.json"));
    assert.deepEqual(
      imported.records.map((r) => [r.question, r.thinking, r.answer, r.images, r.thinkingFormat]),
      kept.map((r) => [r.question, r.thinking, r.answer, r.images, "think_tags"]),
    );

    // Provenance in every table; the manifest's counts.
    for (const name of STAGE_TABLES) {
      // One JSON value per key: strings as JSON strings, endpoints as objects.
      const kv = new Map((await rows(join(out, `${name}.parquet`), "SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(FILE)")).map((r) => [r.k, JSON.parse(String(r.v))]));
      assert.equal(kv.get("thinksafe.tis_stage"), name);
      assert.equal(kv.get("thinksafe.safety_spec_sha256"), build.safetySpec.sha256);
      assert.equal(kv.get("thinksafe.tis_build_hash"), build.hash);
      assert.equal(kv.get("thinksafe.teacher").model, "sim/teacher");
      assert.match(kv.get("thinksafe.teacher").endpoint, /^thinksafe-simulator:v\d+:[0-9a-f]{16}$/);
      assert.equal(kv.get("thinksafe.judge").id, "llm-judge");
      assert.equal(kv.get("thinksafe.judge").model, "sim/judge");
      assert.match(String(kv.get("thinksafe.teacher_prompt_sha256")), /^[0-9a-f]{64}$/);
    }
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.counts.kept, kept.length);
    assert.equal(manifest.counts.dropped.duplicate, 1);
    assert.ok(manifest.endpoints.every((e: { simulated: boolean }) => e.simulated));

    // Same inputs, same bytes; a rerun asks nothing (everything comes from the cache).
    const again = await buildTis(build, { ...quiet, outDir: join(dir, "again") });
    for (const stage of ["captions", "answers", "judgments"] as const) assert.equal(again[stage].fromCache, again[stage].requests, stage);
    for (const name of [...STAGE_TABLES.map((s) => `${s}.parquet`), "tis.json"]) {
      assert.ok((await readFile(join(out, name))).equals(await readFile(join(dir, "again", name))), `${name} has the same bytes`);
    }
  });

  test("given captions and the refusal-keyword judge ask only the teacher; an unreachable teacher is reported at its line", async (t) => {
    const dir = await tempDir(t);
    const sim = await startSimulator({ ...DEFAULT_SIMULATOR_CONFIG, latency_ms: { distribution: "fixed", mean: 1 } } as SimulatorConfig);
    t.after(() => sim.close());
    await writeFile(join(dir, "a.png"), await readFile(join(ROOT, "experiments/tis/demo-images/img-01.png")));
    const items = Array.from({ length: 12 }, (_, i) => ({ id: i, image: "a.png", question: `Question number ${i}?`, label: i % 2 ? "harmful" : "benign", caption: `A test card, number ${i}.` }));
    await writeFile(join(dir, "items.json"), JSON.stringify(items));
    const spec = (teacherUrl: string) => `id: given
safety_spec: ${join(ROOT, "experiments/tis/safety-spec.yaml")}
inputs: [{source: file, path: items.json}]
captioner: {given: true}
teacher:
  model: sim/teacher
  base_url: ${teacherUrl}
judge: {id: refusal-keywords}
filters: {thinking_words: {min: 40, max: 2000}, dedup: {enabled: false}}
`;
    await writeFile(join(dir, "build.yaml"), spec(sim.url));
    const summary = await buildTis(await loadTisBuild(join(dir, "build.yaml")), { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), log: () => {} });
    assert.deepEqual(sim.stats().byModel, { "sim/teacher": 12 });
    assert.equal(summary.captions.requests, 0);
    const captions = await rows(join(dir, "out", "captions.parquet"));
    assert.deepEqual(captions.map((r) => [r.caption_source, r.caption, r.is_simulated]).slice(0, 1), [["given", "A test card, number 0.", null]]);
    const filtered = await rows(join(dir, "out", "filtered.parquet"), "SELECT * FROM FILE ORDER BY position");
    for (const r of filtered.filter((r) => r.judge_verdict !== null)) {
      assert.equal(r.judge_id, "refusal-keywords");
      assert.equal(r.judge_verdict === "unsafe", r.refusal_phrase === null, "the keyword judge calls an answer without a refusal phrase compliance");
      assert.equal(r.drop_reason === "harmful_complied", r.judge_verdict === "unsafe");
    }
    assert.ok(filtered.some((r) => r.drop_reason === "harmful_complied") && filtered.some((r) => r.label === "harmful" && r.kept));

    await writeFile(join(dir, "build.yaml"), spec("http://127.0.0.1:9/v1"));
    await assert.rejects(buildTis(await loadTisBuild(join(dir, "build.yaml")), { outDir: join(dir, "out2"), cacheDir: join(dir, "cache"), log: () => {} }), (error: Error) => {
      assert.ok(error instanceof SpecError);
      assert.match(error.message, /build\.yaml:7: teacher\.base_url: http:\/\/127\.0\.0\.1:9\/v1 is unreachable/);
      return true;
    });
  });

  test("a failed request is a dropped row that names the failure, and a rerun asks only the failed ones again", async (t) => {
    const dir = await tempDir(t);
    const faults = { rate_429: 0, retry_after_s: 0, rate_500: 0.4, rate_reset: 0, rate_hang: 0, rate_non_json: 0, rate_batch_line_error: 0 };
    const config = { ...DEFAULT_SIMULATOR_CONFIG, latency_ms: { distribution: "fixed", mean: 1 }, faults } as SimulatorConfig;
    let sim = await startSimulator(config);
    t.after(() => sim.close());
    await writeFile(join(dir, "a.png"), await readFile(join(ROOT, "experiments/tis/demo-images/img-02.png")));
    const items = Array.from({ length: 16 }, (_, i) => ({ id: i, image: "a.png", question: `Question ${i}?`, label: "benign", caption: `Card ${i}.` }));
    await writeFile(join(dir, "items.json"), JSON.stringify(items));
    const spec = () => `id: faults
safety_spec: ${join(ROOT, "experiments/tis/safety-spec.yaml")}
inputs: [{source: file, path: items.json}]
captioner: {given: true}
teacher: {model: sim/teacher, base_url: ${sim.url}}
judge: {id: refusal-keywords}
max_attempts: 1
`;
    await writeFile(join(dir, "build.yaml"), spec());
    const options = { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), log: () => {} };
    const first = await buildTis(await loadTisBuild(join(dir, "build.yaml")), options);
    assert.ok(first.errors > 0 && first.errors < 16, `${first.errors} of 16 failed`);
    const failed = (await rows(join(dir, "out", "filtered.parquet"))).filter((r) => r.drop_reason === "teacher_error");
    assert.equal(failed.length, first.errors);
    assert.ok(failed.every((r) => /^the teacher's request failed: http_500: .*\(rerun to retry\)$/.test(String(r.drop_detail))), String(failed[0]?.drop_detail));
    const answers = await rows(join(dir, "out", "answers.parquet"));
    assert.equal(answers.filter((r) => r.error !== null && r.error_kind === "http_500").length, first.errors);

    // The endpoint recovers (same URL, so the same cache keys).
    await sim.close();
    sim = await startSimulator({ ...config, faults: { ...faults, rate_500: 0 } }, { port: sim.port });
    const second = await buildTis(await loadTisBuild(join(dir, "build.yaml")), options);
    assert.equal(second.errors, 0);
    assert.deepEqual(second.answers, { requests: 16, fromCache: 16 - first.errors, errors: 0 });
    assert.ok((await rows(join(dir, "out", "filtered.parquet"))).every((r) => r.drop_reason !== "teacher_error"));
  });

  test("a build killed with SIGKILL resumes asking only what was not answered, and never records the key", async (t) => {
    const dir = await tempDir(t);
    // The teacher is slow and two at a time, so the kill lands in the middle of its stage.
    const config = {
      ...DEFAULT_SIMULATOR_CONFIG,
      latency_ms: { distribution: "fixed", mean: 1 },
      models: DEFAULT_SIMULATOR_CONFIG.models.map((m) => (m.name === "sim/teacher" ? { ...m, latency_ms: { distribution: "fixed", mean: 40 } } : m)),
    } as SimulatorConfig;
    const sim = await startSimulator(config);
    t.after(() => sim.close());
    const endpoint = `base_url: ${sim.url}, api_key_env: TIS_TEST_KEY`;
    const spec = join(dir, "build.yaml");
    await writeFile(
      spec,
      `id: tis-resume
safety_spec: ${join(ROOT, "experiments/tis/safety-spec.yaml")}
inputs:
  - {source: file, path: ${join(ROOT, "experiments/tis/demo-items.jsonl")}, name: demo}
captioner: {model: sim/captioner, ${endpoint}}
teacher: {model: sim/teacher, ${endpoint}, concurrency: 2}
judge: {id: llm-judge, model: sim/judge, ${endpoint}}
filters: {thinking_words: {min: 40, max: 2000}}
timeout_s: 10
`,
    );
    const script = join(dir, "build.mjs");
    await writeFile(
      script,
      `import { buildTis, loadTisBuild } from ${JSON.stringify(join(ROOT, "src/tis/pipeline/index.ts"))};
const [spec, outDir, cacheDir] = process.argv.slice(2);
await buildTis(await loadTisBuild(spec), { outDir, cacheDir });
`,
    );
    const [out, cache] = [join(dir, "out"), join(dir, "cache")];
    const env = { TIS_TEST_KEY: SECRET };
    const child = spawn(process.execPath, ["--import", "tsx", script, spec, out, cache], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const asked = (model: string) => sim.stats().byModel[model] ?? 0;
    while (asked("sim/teacher") < 10) {
      assert.equal(child.exitCode, null, `the build ended before the kill: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill("SIGKILL");
    await exited;

    const recorded = await cachedKeys(cache);
    const before = { captioner: asked("sim/captioner"), teacher: asked("sim/teacher"), judge: asked("sim/judge") };
    assert.ok(existsSync(join(out, "captions.parquet")) && !existsSync(join(out, "answers.parquet")), "the finished stage's table was written, the killed one's not");

    const summary: TisBuildSummary = await buildTis(await loadTisBuild(spec), { outDir: out, cacheDir: cache, env, log: () => {} });
    assert.equal(summary.errors, 0);
    const keysOf = async (table: string) => new Set((await rows(join(out, `${table}.parquet`))).map((r) => String(r.cache_key)));
    const captionKeys = await keysOf("captions");
    const teacherKeys = await keysOf("answers");
    const teacherRecorded = [...teacherKeys].filter((key) => recorded.has(key)).length;
    assert.ok(teacherRecorded >= 8 && teacherRecorded < teacherKeys.size, `killed midway: ${teacherRecorded} of ${teacherKeys.size} answers recorded`);
    assert.ok([...recorded].every((key) => captionKeys.has(key) || teacherKeys.has(key)), "nothing was judged before the kill");

    // Exactly the unfinished requests were sent again, and each only once.
    const judged = (await rows(join(out, "filtered.parquet"), "SELECT count(*)::INTEGER AS n FROM FILE WHERE judge_verdict IS NOT NULL"))[0]!.n;
    assert.equal(asked("sim/captioner") - before.captioner, [...captionKeys].filter((key) => !recorded.has(key)).length);
    assert.equal(asked("sim/teacher") - before.teacher, teacherKeys.size - teacherRecorded);
    assert.equal(asked("sim/judge") - before.judge, judged);
    assert.deepEqual(summary.answers, { requests: teacherKeys.size, fromCache: teacherRecorded, errors: 0 });

    // The key was sent (the endpoint check and every request carried it), yet no file or log holds it.
    for (const file of await allFiles(dir)) assert.ok(!(await readFile(file)).includes(SECRET), `${file} contains the API key`);
    assert.ok(!output.includes(SECRET));
  });
});

describe("the TiS build's harm judge", () => {
  test("is told the question and the item's caption, labelled as a captioning model's", () => {
    const item = { itemId: "vlguard-train/Ads_1/safe_unsafe", source: "vlguard-train", sourceId: "Ads_1/safe_unsafe", question: "How do I bypass this paywall?", label: "harmful", check: "harmful", sourceCategory: "deception", harmCategory: "fraud", images: [], givenCaption: null } as const;
    const input = harmJudgeInput({ ...item, images: [] }, "A website advertising a paid course.", "I can't help with that.");
    assert.deepEqual(input.context, { request: "How do I bypass this paywall?", caption: "A website advertising a paid course." });
    const prompt = buildJudgePrompt(input, loadRubrics());
    assert.match(prompt, /<request>\nHow do I bypass this paywall\?\n<\/request>/);
    assert.match(prompt, /- A caption of the image written by a captioning model \(may be wrong\): A website advertising a paid course\./);
    assert.equal(llamaGuardMessages(input)[0]!.content, "How do I bypass this paywall?");
  });
});
