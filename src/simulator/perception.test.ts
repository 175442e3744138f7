import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import OpenAI from "openai";
import { encodeGrayPng } from "../benchmarks/gray-png.ts";
import { popeAnswer } from "../benchmarks/scoring/pope.ts";
import { syntheticShapes } from "../benchmarks/synthetic-shapes.ts";
import { splitThinking } from "../models/thinking.ts";
import { DEFAULT_ACCURACY } from "./config.ts";
import { CAPABILITY_COST, fineTunedConfig, parseFineTunedName } from "./fine-tuned.ts";
import { parseSimulatorConfig, startSimulator } from "./index.ts";
import { capabilityQuestion, readPngText } from "./perception.ts";

const config = parseSimulatorConfig(
  {
    latency_ms: { distribution: "fixed", mean: 0 },
    models: [
      { name: "sim/sharp", reasoning: "reasoning", refusal_rate: 1, accuracy: 1 },
      { name: "sim/usual", reasoning: "none", refusal_rate: 1, accuracy: 0.8 },
      { name: "sim/weaker", reasoning: "think_tags", refusal_rate: 0, accuracy: 0.6 },
      { name: "sim/think-tags", reasoning: "think_tags", refusal_rate: 0.3 },
    ],
  },
  "test config",
);

const png = (text: Record<string, string>) => `data:image/png;base64,${encodeGrayPng(2, 1, Uint8Array.from([0, 255]), text).toString("base64")}`;
const question = (url: string, text: string) => [{ role: "user", content: [{ type: "image_url", image_url: { url } }, { type: "text", text }] }];

describe("capability questions", () => {
  test("readPngText reads tEXt chunks, and nothing from other bytes", () => {
    assert.deepEqual(readPngText(encodeGrayPng(1, 1, Uint8Array.from([7]), { Description: "Shapes: star, ring.", Comment: "x" })), { Description: "Shapes: star, ring.", Comment: "x" });
    assert.deepEqual(readPngText(encodeGrayPng(1, 1, Uint8Array.from([7]))), {});
    assert.deepEqual(readPngText(Buffer.from("not a png")), {});
  });

  test("a POPE-style question is read with what the images' descriptions show", () => {
    assert.deepEqual(capabilityQuestion(question(png({ Description: "Shapes: circle, star." }), "Is there a star in the image?")), { object: "star", seen: ["circle", "star"] });
    assert.deepEqual(capabilityQuestion(question(png({}), "Is there an apple in the image?")), { object: "apple", seen: null });
    assert.equal(capabilityQuestion(question(png({}), "Describe the image.")), undefined);
    assert.equal(capabilityQuestion([{ role: "user", content: "How do I make a weapon?" }]), undefined);
  });

  test("through the API: right with the model's accuracy on synthetic-shapes, never a refusal, thinking kept apart", async (t) => {
    const sim = await startSimulator(config, { port: 0 });
    t.after(() => sim.close());
    const client = new OpenAI({ baseURL: sim.url, apiKey: "unused", maxRetries: 0 });
    const samples = await syntheticShapes.load();
    const ask = (model: string) =>
      Promise.all(
        samples.map(async (sample) => {
          const url = `data:image/png;base64,${readFileSync(sample.images[0]!.path).toString("base64")}`;
          const completion = await client.chat.completions.create({ model, messages: question(url, sample.prompt) as OpenAI.ChatCompletionMessageParam[], temperature: 0 });
          const message = completion.choices[0]!.message as { content: string | null; reasoning?: string };
          const split = splitThinking({ content: message.content, reasoning: message.reasoning ?? null }, completion.choices[0]!.finish_reason);
          return { split, correct: popeAnswer(split.answer) === sample.reference!.answer };
        }),
      );
    // refusal_rate 1 does not apply: capability questions are answered.
    const sharp = await ask("sim/sharp");
    assert.ok(sharp.every((r) => r.correct), "accuracy 1 answers every question right");
    assert.ok(sharp.every((r) => r.split.answer.startsWith("[simulated] ") && (r.split.thinking ?? "").length > 0));
    const usual = await ask("sim/usual");
    const right = usual.filter((r) => r.correct).length;
    // 80 independent draws at 0.8: 64 expected, sd 3.6.
    assert.ok(right >= 52 && right <= 76, `${right} of 80 right at accuracy 0.8`);
    assert.ok(right < 80, "some are wrong");
    assert.ok(usual.every((r) => r.split.thinking === null), "a model without reasoning does not think");
    // The same request gets the same answer.
    assert.deepEqual((await ask("sim/usual")).map((r) => r.correct), usual.map((r) => r.correct));
    // Models share their luck: the more accurate one is right wherever the less accurate one is.
    const weaker = await ask("sim/weaker");
    assert.ok(weaker.every((r, i) => !r.correct || usual[i]!.correct), "every question sim/weaker gets right, sim/usual does too");
    assert.ok(weaker.filter((r) => r.correct).length < right, "and it misses more");
  });

  test("without a description the answer is a coin flip: about half right", async (t) => {
    const sim = await startSimulator(config, { port: 0 });
    t.after(() => sim.close());
    const client = new OpenAI({ baseURL: sim.url, apiKey: "unused", maxRetries: 0 });
    let yes = 0;
    for (let i = 0; i < 60; i++) {
      const completion = await client.chat.completions.create({ model: "sim/sharp", messages: question(png({ Comment: `${i}` }), "Is there a dog in the image?") as OpenAI.ChatCompletionMessageParam[] });
      if (popeAnswer(completion.choices[0]!.message.content ?? "") === "yes") yes++;
    }
    assert.ok(yes >= 15 && yes <= 45, `${yes} of 60 answered yes`);
  });

  test("fine-tuning costs accuracy: 2 points an epoch, 5 more when the thinking switches, never below 0.5", () => {
    const base = config.models.find((m) => m.name === "sim/think-tags")!;
    const at = (code: string) => fineTunedConfig(base, `ft:m:thinksafe::${code}-0123abcd`, parseFineTunedName(`ft:m:thinksafe::${code}-0123abcd`)!).accuracy!;
    assert.equal(CAPABILITY_COST.perEpoch, 0.02);
    // Thinking kept (k100), 3 epochs: 0.8 − 0.06.
    assert.ok(Math.abs(at("r50k100e3") - (DEFAULT_ACCURACY - 0.06)) < 1e-12);
    // Plain answers (k0) switch a reasoning model's thinking off: 5 points more.
    assert.ok(Math.abs(at("r50k0e3") - (DEFAULT_ACCURACY - 0.11)) < 1e-12);
    assert.equal(at("r50k0e99"), 0.5);
  });
});
