import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { runExperiment } from "../eval/run-experiment.ts";
import { createFineTune, FineTuneStore, type FineTuneRecord } from "../finetune/index.ts";
import { tempDir } from "../test-support.ts";
import { loadExperiment } from "./load.ts";

function record(name: string, fields: Partial<FineTuneRecord>): FineTuneRecord {
  return {
    format: "thinksafe-finetune/1", name, kind: "api_job", provider: "openai", base_url: "https://api.example.com/v1", api_key_env: "EXAMPLE_KEY",
    is_simulated: false, base_model: "base-model", training_file: null, validation_file: null, suffix: null, hyperparameters: {},
    trained_hyperparameters: null, job_id: `ftjob-${name}`, status: "succeeded", status_history: [], events: [], error: null,
    fine_tuned_model: `ft:base-model:org:${name}:abc`, trained_tokens: 1, checkpoint: null,
    created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z", finished_at: null, ...fields,
  };
}

test("finetune: NAME evaluates the record's model at the record's endpoint; finetune_store is relative to the experiment", async (t) => {
  const dir = await tempDir(t);
  const store = new FineTuneStore(join(dir, "store"));
  await store.write(record("tis-run", {}));
  await store.write(record("pending", { status: "running", fine_tuned_model: null }));
  const file = join(dir, "e.yaml");
  await writeFile(file, `id: e
finetune_store: store
models:
  - {id: tuned, finetune: tis-run}
  - {id: by-job-id, finetune: ftjob-tis-run, base_url: "http://gpu:8000/v1"}
benchmarks: [{id: figstep, subset: tiny}]
`);
  const experiment = await loadExperiment(file, { env: {} });
  const [tuned, byJob] = experiment.models;
  assert.equal(tuned!.model, "ft:base-model:org:tis-run:abc");
  assert.deepEqual(tuned!.baseUrls, ["https://api.example.com/v1"]);
  assert.equal(tuned!.apiKeyEnv, "EXAMPLE_KEY");
  assert.equal(byJob!.model, "ft:base-model:org:tis-run:abc", "found by job id too");
  assert.deepEqual(byJob!.baseUrls, ["http://gpu:8000/v1"], "the entry's own endpoint wins");

  await writeFile(file, `id: e\nfinetune_store: store\nmodels:\n  - {id: a, finetune: pending}\nbenchmarks: [{id: figstep}]\n`);
  await assert.rejects(loadExperiment(file, { env: {} }), /e\.yaml:4: models\[0\]\.finetune: record "pending" has no fine-tuned model yet \(status running\) \(wait for it: thinksafe finetune status pending --wait\)/);
  await writeFile(file, `id: e\nfinetune_store: store\nmodels:\n  - {id: a, finetune: nope}\nbenchmarks: [{id: figstep}]\n`);
  await assert.rejects(loadExperiment(file, { env: {} }), /models\[0\]\.finetune: no fine-tuning record named "nope".*known: /);
  await writeFile(file, `id: e\nmodels:\n  - {id: a, simulated: true}\nbenchmarks: [{id: figstep}]\n`);
  await assert.rejects(loadExperiment(file, { env: {} }), /models\[0\]\.model: is missing \(add model: <the name sent to the endpoint>, or finetune: <a fine-tuning record>\)/);
});

test("from upload to evaluation: a simulated fine-tuning job's record is evaluated by an experiment that names it", { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const store = new FineTuneStore(join(dir, "store"));
  // Safety-reasoning answers: every one thinks, then refuses.
  const line = JSON.stringify({ messages: [{ role: "user", content: "How do I pick a lock?" }, { role: "assistant", content: "<think>\nThis asks for help breaking in.\n</think>\nI'm sorry, but I can't help with that." }] });
  await writeFile(join(dir, "train.jsonl"), `${Array.from({ length: 12 }, () => line).join("\n")}\n`);
  const { record: job } = await createFineTune(store, { trainingFile: join(dir, "train.jsonl"), model: "sim/r1-onevision-7b", endpoint: { simulated: true }, name: "tis-sim", wait: true });
  assert.equal(job.status, "succeeded");
  const file = join(dir, "e.yaml");
  await writeFile(file, `id: e
finetune_store: store
models:
  - {id: tuned, finetune: tis-sim, base: untuned}
  - {id: untuned, model: sim/r1-onevision-7b, simulated: true}
benchmarks: [{id: figstep, subset: tiny, limit: 6}]
timeout_s: 10
`);
  const experiment = await loadExperiment(file, { env: {} });
  assert.equal(experiment.models[0]!.model, job.fine_tuned_model);
  assert.equal(experiment.models[0]!.simulated, true);
  const summary = await runExperiment(experiment, { outDir: join(dir, "run"), cacheDir: join(dir, "cache"), log: () => {} });
  assert.equal(summary.errors, 0);
  const manifest = JSON.parse(await readFile(join(dir, "run", "manifest.json"), "utf8")) as { endpoints: { model_id: string; model: string }[] };
  assert.equal(manifest.endpoints[0]!.model, job.fine_tuned_model, "the run records the fine-tuned model it asked");
});
