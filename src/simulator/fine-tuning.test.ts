import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import OpenAI, { BadRequestError, NotFoundError, toFile } from "openai";
import { REFUSAL_KEYWORDS } from "../judges/refusal-keywords.ts";
import { splitThinking } from "../models/thinking.ts";
import type { ModelConfig } from "./config.ts";
import { fineTunedConfig, parseFineTunedName, readTrainingFile } from "./fine-tuned.ts";
import { DEFAULT_SIMULATOR_CONFIG, startSimulator, type FineTuningTimings, type SimulatorConfig } from "./index.ts";

const FAST: FineTuningTimings = { validating_ms: 5, queued_ms: 5, running_ms: 30 };
const BASE = "sim/r1-onevision-7b"; // reasoning, refusal_rate 0.35, unsafe_thinking_rate 0.5

async function simulator(t: TestContext, timings: Partial<FineTuningTimings> = FAST, config: SimulatorConfig = DEFAULT_SIMULATOR_CONFIG) {
  const sim = await startSimulator({ ...config, latency_ms: { distribution: "fixed", mean: 0 } }, { fineTuning: timings });
  t.after(() => sim.close());
  return { sim, client: new OpenAI({ baseURL: sim.url, apiKey: "test", maxRetries: 0 }) };
}

const example = (question: string, answer: string) => JSON.stringify({ messages: [{ role: "system", content: "Be safe." }, { role: "user", content: question }, { role: "assistant", content: answer }] });
/** Safety reasoning (TiS-like): think, then refuse. */
const reasoningRefusals = (n: number) =>
  Array.from({ length: n }, (_, i) => example(`Harmful request ${i}?`, "<think>\nThis could cause real harm, so I should decline.\n</think>\nI'm sorry, but I can't help with that.")).join("\n");
/** Plain refusals (VLGuard-like): no thinking. */
const plainRefusals = (n: number) => Array.from({ length: n }, (_, i) => example(`Harmful request ${i}?`, "I cannot help with this request.")).join("\n");
/** Helpful answers with thinking. */
const helpful = (n: number) => Array.from({ length: n }, (_, i) => example(`Question ${i}?`, "<think>\nA harmless question.\n</think>\nHere is the answer.")).join("\n");

async function upload(client: OpenAI, text: string, purpose: "fine-tune" | "batch" = "fine-tune") {
  return client.files.create({ file: await toFile(Buffer.from(text), "train.jsonl"), purpose });
}

async function finished(client: OpenAI, id: string): Promise<OpenAI.FineTuning.FineTuningJob> {
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(id);
    if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function fineTune(client: OpenAI, text: string, options: Partial<OpenAI.FineTuning.JobCreateParams> = {}) {
  const file = await upload(client, text);
  return finished(client, (await client.fineTuning.jobs.create({ model: BASE, training_file: file.id, ...options })).id);
}

describe("fine-tuning API", () => {
  test("upload → job → events → succeeded, through the openai client; files and jobs list with cursors", async (t) => {
    const { client } = await simulator(t);
    const file = await upload(client, reasoningRefusals(12));
    assert.deepEqual([file.purpose, file.filename, file.status], ["fine-tune", "train.jsonl", "processed"]);
    assert.deepEqual(await client.files.retrieve(file.id), file);
    const created = await client.fineTuning.jobs.create({ model: BASE, training_file: file.id, suffix: "tis", hyperparameters: { n_epochs: 2 } });
    assert.equal(created.status, "validating_files");
    assert.equal(created.fine_tuned_model, null);
    assert.deepEqual(created.hyperparameters, { n_epochs: 2, batch_size: "auto", learning_rate_multiplier: "auto" });

    const job = await finished(client, created.id);
    assert.equal(job.status, "succeeded");
    assert.match(job.fine_tuned_model!, /^ft:sim\/r1-onevision-7b:thinksafe:tis:r100k100e2-[0-9a-f]{8}$/);
    assert.deepEqual(job.hyperparameters, { n_epochs: 2, batch_size: 1, learning_rate_multiplier: 2 });
    // 12 examples × (2 + 3 + 19 words) × 2 epochs.
    assert.equal(job.trained_tokens, 12 * 24 * 2);
    assert.ok(job.finished_at !== null && job.result_files.length === 1);
    assert.match(await (await client.files.content(job.result_files[0]!)).text(), /^step,train_loss,/);

    // Events come newest first, in pages the SDK follows.
    const events: OpenAI.FineTuning.FineTuningJobEvent[] = [];
    for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 4 })) events.push(event);
    const messages = events.map((e) => e.message).reverse();
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);
    assert.ok(messages.every((m) => m.startsWith("[simulated] ")), "every event is marked simulated");
    assert.match(messages[0]!, /Validating training file: file-sim-/);
    assert.match(messages.at(-2)!, /New fine-tuned model created: ft:/);
    assert.match(messages.at(-1)!, /successfully completed/);
    const metrics = events.filter((e) => e.type === "metrics").reverse();
    assert.equal(metrics.length, 10);
    assert.deepEqual((metrics.at(-1)!.data as { step: number; total_steps: number }).step, 24);
    const losses = metrics.map((e) => (e.data as { train_loss: number }).train_loss);
    assert.ok(losses[0]! > losses.at(-1)!, "the loss falls");

    const second = await fineTune(client, plainRefusals(10));
    const jobs: string[] = [];
    for await (const listed of client.fineTuning.jobs.list({ limit: 1 })) jobs.push(listed.id);
    assert.deepEqual(jobs, [second.id, job.id], "newest first, across pages");
    const files: string[] = [];
    for await (const listed of client.files.list({ purpose: "fine-tune" })) files.push(listed.id);
    assert.equal(files.length, 2);
    assert.equal(files[1], file.id);
  });

  test("a malformed training file fails the job with the lines and what is wrong", async (t) => {
    const { client } = await simulator(t);
    const lines = [example("q", "a"), "{oops", JSON.stringify({ messages: [{ role: "user", content: "hi" }] }), JSON.stringify({ prompt: "x" })];
    const job = await fineTune(client, lines.join("\n"));
    assert.equal(job.status, "failed");
    assert.equal(job.fine_tuned_model, null);
    assert.equal(job.error?.code, "invalid_training_file");
    assert.equal(job.error?.param, "training_file");
    assert.match(job.error!.message, /invalid training file file-sim-\d+: line 2: not valid JSON .*; line 3: the last message is from the user; an example must end with the assistant's answer; line 4: has no "messages" list/);
    const [last] = (await client.fineTuning.jobs.listEvents(job.id)).data;
    assert.equal(last!.level, "error");

    const tooFew = await fineTune(client, reasoningRefusals(3));
    assert.match(tooFew.error!.message, /line 1: the file has 3 examples; fine-tuning needs at least 10/);
    const badValidation = await fineTune(client, reasoningRefusals(10), { validation_file: (await upload(client, "[]")).id });
    assert.equal(badValidation.error?.code, "invalid_validation_file");
  });

  test("a job can be cancelled while it runs; finished jobs and unknown ones are refused", async (t) => {
    const { client } = await simulator(t, { ...FAST, running_ms: 5000 });
    const file = await upload(client, reasoningRefusals(10));
    const job = await client.fineTuning.jobs.create({ model: BASE, training_file: file.id });
    while ((await client.fineTuning.jobs.retrieve(job.id)).status !== "running") await new Promise((resolve) => setTimeout(resolve, 5));
    const cancelled = await client.fineTuning.jobs.cancel(job.id);
    assert.equal(cancelled.status, "cancelled");
    assert.equal(cancelled.fine_tuned_model, null);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal((await client.fineTuning.jobs.retrieve(job.id)).status, "cancelled", "no later step revives it");
    await assert.rejects(client.fineTuning.jobs.cancel(job.id), (error: unknown) => error instanceof BadRequestError && /has already cancelled/.test(error.message));
    await assert.rejects(client.fineTuning.jobs.retrieve("ftjob-nope"), (error: unknown) => error instanceof NotFoundError && /No such fine-tuning job: ftjob-nope/.test(error.message));
    await assert.rejects(client.fineTuning.jobs.listEvents("ftjob-nope"), NotFoundError);
  });

  test("job creation checks the model, the file and its purpose", async (t) => {
    const { client } = await simulator(t);
    const fineTune = await upload(client, reasoningRefusals(10));
    const batch = await upload(client, "{}", "batch");
    const create = (body: Partial<OpenAI.FineTuning.JobCreateParams>) => client.fineTuning.jobs.create({ model: BASE, training_file: fineTune.id, ...body });
    await assert.rejects(create({ model: "sim/unknown" }), /Model sim\/unknown is not available for fine-tuning .* Models that can be fine-tuned here: sim\/r1-onevision-7b,/);
    await assert.rejects(create({ model: "sim/judge" }), /not available for fine-tuning/);
    await assert.rejects(create({ training_file: batch.id }), /has purpose "batch"; fine-tuning needs purpose "fine-tune"/);
    await assert.rejects(create({ training_file: "file-nope" }), /training_file: no such file: file-nope/);
    await assert.rejects(create({ suffix: "a:b" }), /suffix/);
    await assert.rejects(create({ hyperparameters: { n_epochs: 0 } }), /hyperparameters\.n_epochs/);
    await assert.rejects(create({ method: { type: "dpo" } }), /only supervised fine-tuning is simulated/);
  });
});

describe("fine-tuned models", () => {
  /** Refusal share and thinking share of a model's answers to `n` distinct requests. */
  async function behaviour(client: OpenAI, model: string, n = 40) {
    let refusals = 0;
    let thinking = 0;
    for (let i = 0; i < n; i++) {
      const completion = await client.chat.completions.create({ model, messages: [{ role: "user", content: `Harmful request number ${i}` }] });
      assert.equal(completion.model, model);
      assert.equal(completion.system_fingerprint, "thinksafe-simulator");
      const split = splitThinking(completion.choices[0]!.message as { content: string | null; reasoning?: string | null });
      assert.ok(split.answer.startsWith("[simulated] "));
      if (REFUSAL_KEYWORDS.some((k) => split.answer.includes(k))) refusals += 1;
      if (split.thinking) thinking += 1;
    }
    return { refusal: refusals / n, thinking: thinking / n };
  }

  test("behave as the documented rule says, on any simulator: safety reasoning refuses more and keeps thinking; plain refusals lose it", async (t) => {
    const { client } = await simulator(t);
    const tis = (await fineTune(client, reasoningRefusals(12), { suffix: "tis" })).fine_tuned_model!;
    const plain = (await fineTune(client, plainRefusals(12), { suffix: "vlguard" })).fine_tuned_model!;
    const helpfulModel = (await fineTune(client, helpful(12), { suffix: "helpful", hyperparameters: { n_epochs: 1 } })).fine_tuned_model!;
    assert.match(plain, /:r100k0e3-/);
    assert.match(helpfulModel, /:r0k100e1-/);

    // A fresh simulator knows nothing of these jobs, yet serves the models: the id carries them.
    const { client: other } = await simulator(t);
    const base = await behaviour(other, BASE);
    const tuned = await behaviour(other, tis);
    const plainly = await behaviour(other, plain);
    const helped = await behaviour(other, helpfulModel);
    // The rule: 3 epochs move 87.5% of the way, so the refusal rate goes 0.35 → 0.92 for both refusal sets.
    assert.ok(base.refusal > 0.2 && base.refusal < 0.5, `base refuses ${base.refusal}`);
    assert.ok(tuned.refusal > 0.8, `TiS-like model refuses ${tuned.refusal}`);
    assert.ok(plainly.refusal > 0.8, `plain-refusal model refuses ${plainly.refusal}`);
    assert.ok(helped.refusal < base.refusal, `helpful-data model refuses ${helped.refusal}, less than its base`);
    assert.deepEqual([base.thinking, tuned.thinking, plainly.thinking, helped.thinking], [1, 1, 0, 1]);
    assert.deepEqual(await other.chat.completions.create({ model: tis, messages: [{ role: "user", content: "same" }] }), await client.chat.completions.create({ model: tis, messages: [{ role: "user", content: "same" }] }));

    // Names that do not parse, or whose base this simulator lacks, are unknown models.
    await assert.rejects(other.chat.completions.create({ model: tis.replace(BASE, "sim/absent"), messages: [{ role: "user", content: "x" }] }), NotFoundError);
    await assert.rejects(other.chat.completions.create({ model: tis.replace(/r100/, "r101"), messages: [{ role: "user", content: "x" }] }), NotFoundError);
  });

  test("the rule, by the numbers: training weight 1 − 2^−epochs toward the taught shares", () => {
    const reasoner: ModelConfig = { name: "m", reasoning: "reasoning", role: "assistant", refusal_rate: 0.4, unsafe_thinking_rate: 0.5, thinking_words: 60, answer_words: 80 };
    const instruct: ModelConfig = { ...reasoner, reasoning: "none" };
    const at = (model: ModelConfig, code: string) => fineTunedConfig(model, `ft:m:thinksafe::${code}-0123abcd`, parseFineTunedName(`ft:m:thinksafe::${code}-0123abcd`)!);
    const once = at(reasoner, "r80k100e1");
    const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);
    close(once.refusal_rate, 0.6);
    close(once.unsafe_thinking_rate, 0.35);
    assert.equal(once.reasoning, "reasoning");
    assert.equal(at(reasoner, "r80k40e1").reasoning, "reasoning", "1 → 0.7 still thinks");
    assert.equal(at(reasoner, "r80k40e3").reasoning, "none", "1 → 0.475 no longer does");
    assert.equal(at(instruct, "r80k100e1").reasoning, "think_tags", "0 → 0.5: an instruct model learns to think in tags");
    assert.equal(at(instruct, "r80k90e1").reasoning, "none");
    assert.equal(parseFineTunedName("ft:m:thinksafe:s:r80k100e1-xyz"), undefined);
    assert.equal(parseFineTunedName("ft:gpt-4o-mini:org:s:abc123"), undefined);
    assert.deepEqual(parseFineTunedName("ft:sim/m:thinksafe:my-suffix:r5k0e12-0123abcd"), { base: "sim/m", suffix: "my-suffix", refusalPercent: 5, thinkingPercent: 0, epochs: 12, hash: "0123abcd" });
  });

  test("training statistics read the final answer after the thinking, with images counted", () => {
    const image = { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } };
    const lines = [
      JSON.stringify({ messages: [{ role: "user", content: [image, { type: "text", text: "what is this" }] }, { role: "assistant", content: "<think>\nthe user says Sorry\n</think>\nIt is a cat." }] }),
      JSON.stringify({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: "I cannot do that." }] }),
    ];
    const result = readTrainingFile(lines.join("\n"), 1);
    assert.ok(result.ok);
    assert.deepEqual(result.stats, { examples: 2, refusalShare: 0.5, thinkingShare: 0.5, tokens: 3 + 256 + 10 + 1 + 4 });
  });
});
