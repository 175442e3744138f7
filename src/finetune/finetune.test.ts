import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { main } from "../cli/main.ts";
import { parseHyperparameters } from "../cli/finetune.ts";
import { UsageError } from "../errors.ts";
import { runExperiment } from "../eval/run-experiment.ts";
import { parseExperiment } from "../experiments/load.ts";
import { REFUSAL_KEYWORDS } from "../judges/refusal-keywords.ts";
import { DEFAULT_SIMULATOR_CONFIG, startSimulator, type FineTuningTimings } from "../simulator/index.ts";
import { Database } from "../duckdb/database.ts";
import { tempDir } from "../test-support.ts";
import { FineTuneStore, type FineTuneRecord } from "./index.ts";

const SECRET = "sk-thinksafe-finetune-test-0123456789";
const KEY_VAR = "THINKSAFE_FINETUNE_TEST_KEY";
const BASE = "sim/r1-onevision-7b";

/** Runs the CLI in this process: exit code and what it printed. */
async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "thinksafe", ...args], { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function simulator(t: TestContext, timings: Partial<FineTuningTimings> = { validating_ms: 5, queued_ms: 5, running_ms: 40 }) {
  const sim = await startSimulator({ ...DEFAULT_SIMULATOR_CONFIG, latency_ms: { distribution: "fixed", mean: 0 } }, { fineTuning: timings });
  t.after(() => sim.close());
  return sim;
}

const example = (question: string, answer: string) => JSON.stringify({ messages: [{ role: "user", content: question }, { role: "assistant", content: answer }] });

/** Training files in a temp folder: safety reasoning (TiS-like), plain refusals (VLGuard-like), and a broken one. */
async function trainingFiles(dir: string) {
  const files = {
    tis: join(dir, "tis.jsonl"),
    plain: join(dir, "plain.jsonl"),
    bad: join(dir, "bad.jsonl"),
  };
  const lines = (n: number, answer: (i: number) => string) => Array.from({ length: n }, (_, i) => example(`Harmful request ${i}?`, answer(i))).join("\n") + "\n";
  await writeFile(files.tis, lines(12, (i) => `<think>\nRequest ${i} could cause real harm; the safety specification says to decline.\n</think>\nI'm sorry, but I can't help with that.`));
  await writeFile(files.plain, lines(12, () => "I cannot help with this request."));
  await writeFile(files.bad, `${example("q", "a")}\n{"messages": [{"role": "user", "content": "no answer"}]}\n`);
  return files;
}

async function records(store: string): Promise<FineTuneRecord[]> {
  return new FineTuneStore(store).list();
}

async function everyFile(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("thinksafe finetune", () => {
  test("upload → job → events → succeeded → model id recorded, through a served API; the key is in no record or output", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const files = await trainingFiles(dir);
    const store = join(dir, "store");
    process.env[KEY_VAR] = SECRET;
    t.after(() => delete process.env[KEY_VAR]);

    const created = await cli("finetune", "create", "--training-file", files.tis, "--model", BASE, "--suffix", "tis", "--hyperparameters", "n_epochs=2",
      "--name", "r1-tis", "--base-url", sim.url, "--api-key-env", KEY_VAR, "--store", store);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /^r1-tis: validating_files \(simulated\)\n {2}job: ftjob-sim-[0-9a-f]+ on http:\/\/127\.0\.0\.1:\d+\/v1/);
    const [first] = await records(store);
    assert.equal(first!.status, "validating_files");
    assert.equal(first!.fine_tuned_model, null);

    const waited = await cli("finetune", "status", "r1-tis", "--wait", "--poll", "0.01", "--store", store);
    assert.equal(waited.code, 0, waited.err);
    const [record] = await records(store);
    assert.ok(record);
    assert.match(waited.out, new RegExp(`fine-tuned model: ${record.fine_tuned_model!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    assert.match(record.fine_tuned_model!, /^ft:sim\/r1-onevision-7b:thinksafe:tis:r100k100e2-[0-9a-f]{8}$/);
    assert.deepEqual(
      [record.status, record.kind, record.provider, record.base_url, record.api_key_env, record.is_simulated, record.base_model, record.suffix],
      ["succeeded", "api_job", "thinksafe-simulator", sim.url, KEY_VAR, true, BASE, "tis"],
    );
    assert.deepEqual(record.hyperparameters, { n_epochs: 2, batch_size: "auto", learning_rate_multiplier: "auto" });
    assert.deepEqual(record.trained_hyperparameters, { n_epochs: 2, batch_size: 1, learning_rate_multiplier: 2 });
    assert.equal(record.training_file!.sha256, (await import("../provenance.ts")).sha256(await readFile(files.tis)));
    assert.match(record.training_file!.upload_id!, /^file-sim-/);
    // Statuses in the order they happened (a fast stage may pass between two polls), each once.
    const seen = record.status_history.map((s) => s.status);
    assert.deepEqual(seen, ["validating_files", "queued", "running", "succeeded"].filter((s) => seen.includes(s)));
    assert.deepEqual([seen[0], seen.at(-1)], ["validating_files", "succeeded"]);
    assert.ok(record.trained_tokens! > 0 && record.finished_at !== null);
    const messages = record.events.map((e) => e.message);
    assert.equal(new Set(record.events.map((e) => e.id)).size, record.events.length, "no event recorded twice");
    assert.match(messages[0]!, /Validating training file/);
    assert.equal(record.events.filter((e) => e.type === "metrics").length, 10);
    assert.match(messages.at(-1)!, /successfully completed/);
    assert.match(waited.err, /\[finetune\] r1-tis: succeeded/);

    // The record is found by job id and by model; list shows it.
    assert.equal((await cli("finetune", "status", record.job_id!, "--store", store)).code, 0);
    assert.match((await cli("finetune", "status", record.fine_tuned_model!, "--store", store)).out, /^r1-tis: succeeded/);
    assert.match((await cli("finetune", "list", "--store", store)).out, /r1-tis +job ftjob-sim-\w+ +succeeded +sim\/r1-onevision-7b +ft:sim\/r1-onevision-7b:thinksafe:tis:\S+ +yes/);

    // The same inputs again are refused (a job would be paid for twice) unless forced.
    const again = await cli("finetune", "create", "--training-file", files.tis, "--model", BASE, "--suffix", "tis", "--hyperparameters", "n_epochs=2", "--base-url", sim.url, "--api-key-env", KEY_VAR, "--store", store);
    assert.equal(again.code, 2);
    assert.match(again.err, /"r1-tis" \(job ftjob-sim-\w+, succeeded\) was already started from the same training file, model and settings; .* --force/);

    for (const file of await everyFile(dir)) assert.ok(!(await readFile(file, "utf8")).includes(SECRET), `${file} holds the API key`);
    for (const output of [created, waited, again]) assert.ok(!output.out.includes(SECRET) && !output.err.includes(SECRET));
  });

  test("a bad training file fails the job; the readable error is recorded and the exit code is 1", async (t) => {
    const dir = await tempDir(t);
    const files = await trainingFiles(dir);
    const store = join(dir, "store");
    const run = await cli("finetune", "create", "--training-file", files.bad, "--model", BASE, "--simulated", "--name", "broken", "--store", store);
    assert.equal(run.code, 1);
    assert.match(run.out, /^broken: failed \(simulated\)\n.*\n {2}base model: sim\/r1-onevision-7b\n {2}error: The job failed due to an invalid training file file-sim-\d+: line 2: the last message is from the user; an example must end with the assistant's answer\. \(training_file\)/);
    const [record] = await records(store);
    assert.deepEqual([record!.status, record!.error?.code, record!.fine_tuned_model, record!.base_url], ["failed", "invalid_training_file", null, null]);
    assert.equal(record!.events.at(-1)!.level, "error");
    // A finished record answers status without any server.
    const status = await cli("finetune", "status", "broken", "--wait", "--store", store);
    assert.equal(status.code, 1);
    assert.match(status.out, /^broken: failed/);

    const missing = await cli("finetune", "create", "--training-file", join(dir, "nope.jsonl"), "--model", BASE, "--simulated", "--store", store);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.jsonl: file not found \(give --training-file a chat fine-tuning JSONL file\)/);
    const both = await cli("finetune", "create", "--training-file", files.tis, "--model", BASE, "--store", store);
    assert.match(both.err, /give either --base-url URL .* or --simulated/);
  });

  test("a training file with images needs a vision-capable base model: a text-only one is refused before anything is uploaded", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const store = join(dir, "store");
    const file = join(dir, "vision.jsonl");
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";
    const withImage = JSON.stringify({
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }, { type: "text", text: "What does the sign say?" }] },
        { role: "assistant", content: "<think>\nA sign.\n</think>\nIt says stop." },
      ],
    });
    await writeFile(file, `${example("q", "a")}\n${withImage}\n`);
    const refused = await cli("finetune", "create", "--training-file", file, "--model", "gpt-4o-mini-2024-07-18", "--base-url", sim.url, "--store", store);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.err,
      `thinksafe: --model gpt-4o-mini-2024-07-18: 1 of 2 examples in ${file} carry images (the first on line 2), and gpt-4o-mini-2024-07-18 is fine-tuned on text only; use a vision-capable base model: --model gpt-4o-2024-08-06 (OpenAI's vision fine-tuning)`,
    );
    assert.equal(sim.stats().requests, 0, "nothing was uploaded");
    assert.deepEqual(await records(store), []);
    // A fine-tuned text-only model is text-only too; a text file is fine for any model.
    assert.equal((await cli("finetune", "create", "--training-file", file, "--model", "ft:gpt-4o-mini-2024-07-18:org::abc", "--base-url", sim.url, "--store", store)).code, 2);
    const { checkBaseModel, trainingFileFacts } = await import("./base-model.ts");
    assert.deepEqual(trainingFileFacts(Buffer.from(`${withImage}\n\n${example("q", "a")}\n`)), { examples: 2, withImages: 1, firstImageLine: 1 });
    assert.equal(checkBaseModel("gpt-4o-2024-08-06", trainingFileFacts(Buffer.from(withImage)), file), null);
    assert.equal(checkBaseModel("gpt-4o-mini-2024-07-18", trainingFileFacts(Buffer.from(example("q", "a"))), file), null);
    assert.match(String(checkBaseModel("my-org/vlm", trainingFileFacts(Buffer.from(withImage)), file)), /cannot tell whether my-org\/vlm fine-tunes on images/);
  });

  test("a running job is cancelled and the cancellation recorded", async (t) => {
    const sim = await simulator(t, { validating_ms: 60_000 });
    const dir = await tempDir(t);
    const files = await trainingFiles(dir);
    const store = join(dir, "store");
    assert.equal((await cli("finetune", "create", "--training-file", files.tis, "--model", BASE, "--base-url", sim.url, "--name", "to-cancel", "--store", store)).code, 0);
    const cancelled = await cli("finetune", "cancel", "to-cancel", "--store", store);
    assert.equal(cancelled.code, 0, cancelled.err);
    assert.match(cancelled.out, /^to-cancel: cancelled/);
    const [record] = await records(store);
    assert.deepEqual(record!.status_history.map((s) => s.status), ["validating_files", "cancelled"]);
    assert.match(record!.events.at(-1)!.message, /Fine-tuning job cancelled/);
    const twice = await cli("finetune", "cancel", "to-cancel", "--store", store);
    assert.equal(twice.code, 2);
    assert.match(twice.err, /"to-cancel" \(job ftjob-sim-\w+\) has already cancelled/);
  });

  test("status names what it cannot find: a record, a job the server does not know, a simulator that is gone", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const store = join(dir, "store");
    const empty = await cli("finetune", "status", "ftjob-missing", "--store", store);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /no fine-tuning record named "ftjob-missing" \(nor with that job id or model\) in .*store; the store is empty/);

    const now = new Date().toISOString();
    const record: FineTuneRecord = {
      format: "thinksafe-finetune/1", name: "lost", kind: "api_job", provider: "openai-compatible", base_url: sim.url, api_key_env: null,
      is_simulated: true, base_model: BASE, training_file: null, validation_file: null, suffix: null, hyperparameters: {}, trained_hyperparameters: null,
      job_id: "ftjob-sim-gone", status: "running", status_history: [{ status: "running", at: now }], events: [], error: null,
      fine_tuned_model: null, trained_tokens: null, checkpoint: null, created_at: now, updated_at: now, finished_at: null,
    };
    await new FineTuneStore(store).write(record);
    await new FineTuneStore(store).write({ ...record, name: "orphan", job_id: "ftjob-sim-orphan", base_url: null });
    const lost = await cli("finetune", "status", "lost", "--store", store);
    assert.equal(lost.code, 2);
    assert.match(lost.err, new RegExp(`job ftjob-sim-gone \\("lost"\\) is unknown to ${sim.url.replace(/[.]/g, "\\.")}: 404 No such fine-tuning job: ftjob-sim-gone`));
    const orphan = await cli("finetune", "status", "orphan", "--wait", "--store", store);
    assert.match(orphan.err, /"orphan" \(job ftjob-sim-orphan\) ran on a simulator that lived only during thinksafe finetune create/);
    const unknown = await cli("finetune", "status", "nope", "--store", store);
    assert.match(unknown.err, /no fine-tuning record named "nope" .*; known: lost, orphan/);
  });

  test("a model fine-tuned on the simulator is evaluated by an experiment: safety reasoning refuses more and keeps thinking, plain refusals lose it", async (t) => {
    const dir = await tempDir(t);
    const files = await trainingFiles(dir);
    const store = join(dir, "store");
    const entries: string[] = [];
    for (const [name, file] of [["r1-tis", files.tis], ["r1-plain", files.plain]] as const) {
      const created = await cli("finetune", "create", "--training-file", file, "--model", BASE, "--suffix", name, "--simulated", "--name", name, "--store", store);
      assert.equal(created.code, 0, created.err);
      const status = await cli("finetune", "status", name, "--wait", "--store", store);
      assert.equal(status.code, 0, status.err);
      // The entry `status` prints for an experiment, compared against the base.
      entries.push(status.out.split("\n").at(-1)!.replace(/}$/, ", base: base}"));
    }
    assert.match(entries[0]!, /^- \{id: r1-tis, model: "ft:sim\/r1-onevision-7b:thinksafe:r1-tis:r100k100e3-[0-9a-f]{8}", simulated: true, base: base\}$/);

    const yaml = `id: finetune-e2e\nmodels:\n  - {id: base, model: ${BASE}, simulated: true}\n${entries.map((e) => `  ${e}`).join("\n")}\nbenchmarks:\n  - {id: figstep, subset: tiny, limit: 12}\n`;
    const experiment = parseExperiment(yaml, join(dir, "finetune.yaml"));
    const summary = await runExperiment(experiment, { outDir: join(dir, "run"), cacheDir: join(dir, "cache"), log: () => {} });
    assert.equal(summary.errors, 0);
    const db = await Database.open();
    const rows = await db.rows(`SELECT model_id, model, served_model, thinking, answer, is_simulated FROM '${summary.responsesFile}'`).finally(() => db.close());
    assert.equal(rows.length, 36);
    const byModel = (id: string) => rows.filter((r) => r.model_id === id);
    const share = (id: string, test: (r: (typeof rows)[number]) => boolean) => byModel(id).filter(test).length / byModel(id).length;
    const refuses = (r: (typeof rows)[number]) => REFUSAL_KEYWORDS.some((k) => String(r.answer).includes(k));
    const thinks = (r: (typeof rows)[number]) => typeof r.thinking === "string" && r.thinking.length > 0;
    const recorded = await records(store);
    for (const id of ["r1-tis", "r1-plain"]) {
      const model = recorded.find((r) => r.name === id)!.fine_tuned_model;
      assert.ok(byModel(id).every((r) => r.served_model === model && r.model === model && r.is_simulated === true), `${id} answered as ${model}`);
    }
    assert.ok(share("r1-tis", refuses) > share("base", refuses) + 0.3, `TiS-tuned refuses ${share("r1-tis", refuses)} vs base ${share("base", refuses)}`);
    assert.ok(share("r1-plain", refuses) > share("base", refuses) + 0.3);
    assert.deepEqual([share("base", thinks), share("r1-tis", thinks), share("r1-plain", thinks)], [1, 1, 0]);
  });

  test("record: a checkpoint trained elsewhere, its LLaMA-Factory export and the endpoint serving it", async (t) => {
    const sim = await simulator(t);
    const dir = await tempDir(t);
    const store = join(dir, "store");
    const exported = join(dir, "export");
    await mkdir(exported);
    await writeFile(join(exported, "dataset_info.json"), JSON.stringify({ tis: { file_name: "tis.json", formatting: "sharegpt" } }));
    await writeFile(join(exported, "tis.json"), "[]");
    await writeFile(join(exported, "train_lora.yaml"), "stage: sft\n");
    const checkpoint = join(dir, "saves", "qwen-tis-lora");
    await mkdir(checkpoint, { recursive: true });

    const recorded = await cli("finetune", "record", "--name", "qwen-tis", "--base-model", "Qwen/Qwen2.5-VL-7B-Instruct", "--checkpoint", checkpoint,
      "--base-url", `${sim.url}/`, "--served-model", "sim/qwen2.5-vl-7b-instruct", "--export", exported, "--store", store);
    assert.equal(recorded.code, 0, recorded.err);
    assert.match(recorded.out, /^qwen-tis: recorded \(simulated\)[\s\S]*fine-tuned model: sim\/qwen2\.5-vl-7b-instruct\n.*\n- \{id: qwen-tis, finetune: qwen-tis\}\n.*\n- \{id: qwen-tis, model: "sim\/qwen2\.5-vl-7b-instruct", base_url: "http:\/\/127\.0\.0\.1:\d+\/v1"\}$/);
    const [record] = await records(store);
    assert.deepEqual([record!.kind, record!.status, record!.base_url, record!.fine_tuned_model], ["served_checkpoint", "recorded", sim.url, "sim/qwen2.5-vl-7b-instruct"]);
    assert.deepEqual([record!.checkpoint!.checkpoint, record!.checkpoint!.is_local_path, record!.checkpoint!.endpoint_check!.model_listed], [checkpoint, true, true]);
    assert.deepEqual(record!.checkpoint!.export!.files.map((f) => f.file), ["dataset_info.json", "tis.json", "train_lora.yaml"]);
    assert.deepEqual(record!.checkpoint!.export!.datasets, ["tis"]);

    const unlisted = await cli("finetune", "record", "--name", "hub", "--base-model", "m", "--checkpoint", "org/model-tis", "--base-url", sim.url, "--store", store);
    assert.equal(unlisted.code, 0);
    assert.match(unlisted.err, /warning: the endpoint does not list the model "hub" .* pass --served-model/);
    assert.equal((await records(store)).find((r) => r.name === "hub")!.checkpoint!.is_local_path, false);

    await writeFile(join(exported, "dataset_info.json"), JSON.stringify({ tis: { file_name: "missing.json" } }));
    const broken = await cli("finetune", "record", "--name", "other", "--base-model", "m", "--checkpoint", "x", "--base-url", sim.url, "--export", exported, "--no-check", "--store", store);
    assert.equal(broken.code, 2);
    assert.match(broken.err, /export\/missing\.json: named by tis\.file_name in dataset_info\.json but not found/);
    const taken = await cli("finetune", "record", "--name", "qwen-tis", "--base-model", "m", "--checkpoint", "x", "--base-url", sim.url, "--no-check", "--store", store);
    assert.match(taken.err, /a fine-tuning record named "qwen-tis" already exists/);
  });

  test("--hyperparameters takes key=value pairs or JSON and names what it rejects", () => {
    assert.deepEqual(parseHyperparameters("n_epochs=3, batch_size=auto,learning_rate_multiplier=0.5"), { n_epochs: 3, batch_size: "auto", learning_rate_multiplier: 0.5 });
    assert.deepEqual(parseHyperparameters('{"n_epochs": 2}'), { n_epochs: 2 });
    assert.throws(() => parseHyperparameters("epochs=3"), (e: Error) => e instanceof UsageError && /unknown setting "epochs" \(known: n_epochs, batch_size, learning_rate_multiplier\)/.test(e.message));
    assert.throws(() => parseHyperparameters("n_epochs=2.5"), /n_epochs must be a whole number/);
    assert.throws(() => parseHyperparameters("n_epochs"), /"n_epochs" is not key=value/);
  });
});
