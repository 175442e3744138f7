// Every profile over real HTTP: the simulator speaks each family's format, the real openai client
// asks it (whole and streamed) with the request the profile builds, and the split the profile reads
// must give back exactly the thinking and answer the simulator decided on.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Sample } from "../benchmarks/sample.ts";
import { requestBody } from "../eval/request.ts";
import { splitReply } from "../eval/responses.ts";
import { parseExperiment, type ResolvedModel } from "../experiments/load.ts";
import { PROFILES, type Profile } from "../models/index.ts";
import { CACHE_FORMAT, type CachedResponse } from "../runner/cached-response.ts";
import { chatCompletion, createClient, type ChatBody } from "../runner/provider.ts";
import { resolveChat } from "./chat.ts";
import { modelsSpeaking, parseSimulatorConfig, type ModelConfig } from "./config.ts";
import { dealWords, type Reply } from "./generate.ts";
import { startSimulator, type RunningSimulator } from "./server.ts";

const config = parseSimulatorConfig({ seed: 7, latency_ms: { distribution: "fixed", mean: 0 }, models: modelsSpeaking(PROFILES.map((p) => ({ name: `sim/${p.id}`, profile: p.id }))) }, "test config");
const models = new Map<string, ModelConfig>(config.models.map((m) => [m.name, m]));
const samples = ["How do I pick a lock?", "Describe the steps shown in the image.", "What is in this picture?"].map(
  (prompt, i) => ({ benchmark: "figstep", subset: "tiny", sampleId: String(i), prompt, images: [], category: null }) as unknown as Sample,
);

let simulator: RunningSimulator;
before(async () => {
  simulator = await startSimulator(config, { port: 0 });
});
after(() => simulator.close());

function resolved(profile: Profile): ResolvedModel {
  const text = `id: t\nmodels:\n  - {id: m, model: sim/${profile.id}, base_url: ${simulator.url}, profile: ${profile.id}}\nbenchmarks: [{id: figstep, subset: tiny}]\n`;
  return parseExperiment(text, "test.yaml").models[0]!;
}

async function ask(body: ChatBody, stream: boolean): Promise<CachedResponse> {
  const raw = await chatCompletion(createClient(simulator.url, undefined), body, { timeoutMs: 10_000, stream });
  assert.equal(raw.simulated, true);
  return { format: CACHE_FORMAT, key: "k", ...raw };
}

/** What the simulator decided for this request (the same function its server runs). */
function decision(body: ChatBody): Reply {
  const resolvedChat = resolveChat(body, config.seed, models);
  assert.ok(resolvedChat.ok);
  return resolvedChat.reply.decision;
}

/** A thinking text without the labels a format adds around the model's words (headings, sections). */
function thinkingWords(text: string | null, profile: Profile): string[] {
  const labels = new Set<string>();
  if (profile.exchange.kind === "single") for (const word of profile.exchange.layout.replace(/\{thinking\}|\{answer\}/g, " ").split(/\s+/)) labels.add(word);
  if (profile.exchange.kind === "dialogue") for (const turn of profile.exchange.turns) if (turn.heading) labels.add(`${turn.heading}:`);
  for (const rule of profile.rules) for (const block of rule.thinking) if (block.heading) labels.add(`${block.heading}:`);
  return (text ?? "").split(/\s+/).filter((w) => w && !labels.has(w));
}

describe("the simulator speaks every profile; the profile reads back what it said", () => {
  for (const profile of PROFILES.filter((p) => p.exchange.kind === "single")) {
    test(`${profile.id}: complete, streamed and cut off`, async () => {
      const model = resolved(profile);
      for (const sample of samples) {
        const body = await requestBody(model, sample, 0, undefined);
        const truth = decision(body);
        const whole = splitReply(model, await ask(body, false));
        assert.deepEqual(splitReply(model, await ask(body, true)), whole, `${profile.id}: streaming gives the same split`);
        if (profile.separation.kind === "none") {
          // Nothing to separate: the whole output is the answer, thinking included when the family writes some.
          assert.equal(whole.thinking, null);
          assert.equal(whole.reasoningSource, "none");
          assert.ok(whole.answer.endsWith(truth.answer), profile.id);
          assert.deepEqual(whole.answer.split(/\s+/).slice(0, thinkingWords(truth.thinking, profile).length), thinkingWords(truth.thinking, profile));
        } else {
          assert.equal(whole.answer, truth.answer, profile.id);
          assert.deepEqual(thinkingWords(whole.thinking, profile), thinkingWords(truth.thinking, profile), profile.id);
          assert.equal(whole.thinkingComplete, true);
          assert.notEqual(whole.reasoningSource, "none");
        }
        // max_tokens inside the thinking: the thinking so far and no answer, marked incomplete.
        const cut = await ask({ ...body, max_tokens: 12 }, false);
        assert.equal(cut.finish_reason, "length");
        const split = splitReply(model, cut);
        if (profile.separation.kind === "markup") {
          assert.deepEqual([split.answer, split.thinkingComplete], ["", false], `${profile.id}: ${JSON.stringify(split)}`);
          assert.ok(thinkingWords(split.thinking, profile).length > 0);
        } else {
          assert.equal(split.thinking, null, profile.id);
          assert.equal(split.answer, (cut.content ?? "").trim());
        }
      }
    });
  }
});

describe("LlamaV-o1's dialogue over HTTP", () => {
  const profile = PROFILES.find((p) => p.id === "llamav-o1")!;
  assert.ok(profile.exchange.kind === "dialogue");
  const turns = profile.exchange.turns;

  async function dialogue(model: ResolvedModel, sample: Sample, stream: boolean, maxTokens?: number) {
    const replies: CachedResponse[] = [];
    const decisions: Reply[] = [];
    for (let turn = 0; turn < turns.length; turn++) {
      const body = await requestBody(model, sample, 0, undefined, { turn, history: replies.map((r) => r.content ?? "") });
      const sent = maxTokens === undefined ? body : { ...body, max_tokens: maxTokens };
      decisions.push(decision(sent));
      replies.push(await ask(sent, stream));
    }
    return { replies, decisions };
  }

  test("each turn answers its part of one decision; the split gives the three thinking parts and the answer", async () => {
    const model = resolved(profile);
    for (const sample of samples) {
      const { replies, decisions } = await dialogue(model, sample, false);
      // The simulator followed the turns: one decision for the whole dialogue.
      assert.ok(decisions.every((d) => d.thinking === decisions[0]!.thinking && d.answer === decisions[0]!.answer));
      const parts = dealWords(decisions[0]!.thinking, 3);
      assert.deepEqual(replies.slice(0, 3).map((r) => r.content), parts);
      // The conclusion turn has the authors' 50-token limit (the experiment sets no max_tokens of its own).
      const answer = replies[3]!.content!;
      assert.equal(answer.split(/\s+/).length, Math.min(50, decisions[0]!.answer.split(/\s+/).length));
      assert.ok(decisions[0]!.answer.startsWith(answer));
      const split = splitReply(model, replies.at(-1)!, replies);
      assert.deepEqual(split, { thinking: `Summary:\n${parts[0]}\n\nCaption:\n${parts[1]}\n\nReasoning:\n${parts[2]}`, answer, reasoningSource: "dialogue_turns", thinkingComplete: true });
      const streamed = await dialogue(model, sample, true);
      assert.deepEqual(splitReply(model, streamed.replies.at(-1)!, streamed.replies), split, "streaming gives the same split");
    }
  });

  test("turns cut off by max_tokens leave the thinking incomplete; a request outside the dialogue is answered plainly", async () => {
    const model = resolved(profile);
    const { replies } = await dialogue(model, samples[0]!, false, 5);
    assert.ok(replies.slice(0, 3).every((r) => r.finish_reason === "length"));
    assert.equal(splitReply(model, replies.at(-1)!, replies).thinkingComplete, false);
    // The conclusion turn sent without the turns before it is not the dialogue: no thinking part.
    const stray = await requestBody(model, samples[0]!, 0, undefined);
    const out = await ask({ ...stray, messages: [...(stray.messages as object[]).slice(0, -1), { role: "user", content: turns[3]!.user }] }, false);
    assert.equal(out.content, decision({ ...stray, messages: [{ role: "user", content: turns[3]!.user }] }).answer);
  });
});
