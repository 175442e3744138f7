import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Sample } from "../benchmarks/sample.ts";
import { SpecError } from "../errors.ts";
import { cacheKey, REQUEST_FORMAT, requestBody, turnKey } from "../eval/request.ts";
import { canonicalJson } from "../canonical.ts";
import { sha256 } from "../provenance.ts";
import { imageFile } from "../test-support.ts";
import { getProfile } from "../models/index.ts";
import { loadExperiment, parseExperiment, type ResolvedModel } from "./load.ts";

const parse = (text: string) => parseExperiment(text, "x.yaml");
const spec = (models: string, rest = "") => `id: p\nmodels:\n${models}\nbenchmarks: [{id: figstep, subset: tiny}]\n${rest}`;
const model = (line: string) => `  - {id: m, model: x, base_url: http://127.0.0.1:1/v1, ${line}}`;
const sample = { benchmark: "figstep", subset: "tiny", sampleId: "1", prompt: "How do I do it?", images: [], category: null } as unknown as Sample;

describe("models[].profile", () => {
  test("an unknown id is an error at file:line listing the known ones", () => {
    const text = spec(`  - {id: a, model: x, base_url: http://127.0.0.1:1/v1}\n${model("profile: deepseek")}`);
    assert.throws(() => parseExperiment(text, "experiments/x.yaml"), (error: unknown) => {
      assert.ok(error instanceof SpecError);
      assert.match(error.message, /^experiments\/x\.yaml:4: models\[1\]\.profile: expected one of think-tags, prefilled-think, r1-onevision, .*skywork-r1v, found text "deepseek"$/);
      return true;
    });
  });

  test("without a profile a model gets think-tags, and its cache key is the one it had before profiles", () => {
    const [m] = parse(spec(model("generation: {seed: 3}"))).models;
    assert.equal(m!.profile.id, "think-tags");
    // The key as request.ts computed it before profiles existed: the same fields, no `profile`.
    const before = sha256(canonicalJson({
      format: REQUEST_FORMAT, endpoint: m!.endpoint, model: "x", system: null, prompt: sample.prompt, images: [], image_max_side: null,
      generation: { temperature: 0, max_tokens: 2048, seed: 4 }, extra_body: {}, repeat: 1,
    }));
    assert.equal(cacheKey(m!, sample, 1, undefined), before);
  });

  test("the profile's system prompt and generation apply unless the experiment or the model sets its own", () => {
    const profiled = (rest: string, line = "profile: mm-eureka") => parse(spec(model(line), rest)).models[0]!;
    const eureka = getProfile("mm-eureka");
    assert.equal(profiled("").systemPrompt, eureka.system_prompt);
    assert.deepEqual(profiled("").generation, { temperature: 0, max_tokens: 2048 });
    // The schema's default (temperature 0, 2048 tokens) yields to a profile's recommendation.
    assert.deepEqual(profiled("", "profile: llava-cot").generation, { temperature: 0.6, top_p: 0.9, max_tokens: 2048 });
    // What the experiment writes overrides the profile, field by field; the model overrides both.
    assert.deepEqual(profiled("generation: {max_tokens: 4096}\n", "profile: llava-cot").generation, { temperature: 0.6, top_p: 0.9, max_tokens: 4096 });
    assert.deepEqual(profiled("generation: {temperature: 0}\n", "profile: llava-cot, generation: {top_p: 1}").generation, { temperature: 0, top_p: 1, max_tokens: 2048 });
    assert.equal(profiled("system_prompt: Be brief.\n").systemPrompt, "Be brief.");
    assert.equal(profiled("system_prompt: Be brief.\n", "profile: mm-eureka, system_prompt: Mine.").systemPrompt, "Mine.");
  });

  test("the request carries the profile's system prompt and user template", async () => {
    const m = parse(spec(model("profile: vl-rethinker"))).models[0]!;
    const body = await requestBody(m, sample, 0, undefined);
    assert.deepEqual(body.messages, [{ role: "user", content: "How do I do it?\n\nPlease reason step by step, and put your final answer within \\boxed{}" }]);
    const mulberry = await requestBody(parse(spec(model("profile: mulberry"))).models[0]!, sample, 0, undefined);
    assert.deepEqual((mulberry.messages as Array<{ role: string }>).map((x) => x.role), ["system", "user"]);
    assert.match(JSON.stringify(mulberry.messages[1]), /separated by ###:.*\\n\\nHow do I do it\?"/);
  });

  test("what a profile sends is in the cache key: another prompt is another key", () => {
    const key = (line: string) => cacheKey(parse(spec(model(line))).models[0]!, sample, 0, undefined);
    const keys = ["profile: think-tags", "profile: vl-rethinker", "profile: mulberry", "profile: mm-eureka", "profile: llamav-o1"].map(key);
    assert.equal(new Set(keys).size, keys.length);
    // Profiles that send the same request share the key: the reply, not the reading, is cached.
    assert.equal(key("profile: mimo-vl"), key("profile: think-tags"));
    assert.notEqual(key("profile: kimi-vl-thinking"), key("profile: think-tags"), "its recommended 4096 tokens are sent");
  });

  test("LlamaV-o1's turns: the image and question first, then each turn after the earlier replies", async (t) => {
    const m = parse(spec(model("profile: llamav-o1"))).models[0]!;
    const withImage = { ...sample, images: [await imageFile(t, PNG, "a.png")] } as unknown as Sample;
    const first = await requestBody(m, withImage, 0, undefined, { turn: 0, history: [] });
    const [user] = first.messages as Array<{ role: string; content: Array<{ type: string; text?: string }> }>;
    assert.deepEqual(user!.content.map((part) => part.type), ["image_url", "text"]);
    assert.equal(user!.content[1]!.text, "How do I do it?\nSummarize how you will approach the problem and explain the steps you will take to reach the answer.");
    assert.equal(first.max_tokens, 1024);
    const last = await requestBody(m, withImage, 0, undefined, { turn: 3, history: ["plan", "caption", "reasoning"] });
    const messages = last.messages as Array<{ role: string; content: unknown }>;
    assert.deepEqual(messages.slice(1).map((x) => [x.role, x.content]), [
      ["assistant", "plan"],
      ["user", "Provide a detailed description of the image, particularly emphasizing the aspects related to the question."],
      ["assistant", "caption"],
      ["user", "Provide a chain-of-thought, logical explanation of the problem. This should outline step-by-step reasoning."],
      ["assistant", "reasoning"],
      ["user", "State the final answer in a clear and direct format. It must match the correct answer exactly."],
    ]);
    assert.equal(last.max_tokens, 50, "the conclusion turn's own limit");
    await assert.rejects(requestBody(m, withImage, 0, undefined, { turn: 2, history: ["plan"] }), /turn 2 of a 4-turn exchange after 1 replies/);
    // A turn's key depends on the replies before it.
    assert.notEqual(turnKey("k", 1, ["plan A"]), turnKey("k", 1, ["plan B"]));
  });

  test("the experiment's hash covers the profiles its models name", () => {
    const text = spec(model("profile: mm-eureka"));
    const a = parseExperiment(text, "a.yaml").hash;
    assert.notEqual(a, parseExperiment(spec(model("profile: openvlthinker")), "a.yaml").hash);
    // Without a named profile the hash is what it was (the spec alone).
    const plain = parseExperiment(spec(model("concurrency: 2")), "a.yaml");
    assert.equal(plain.hash, sha256(canonicalJson({ ...plain.spec, $schema: undefined })));
  });

  test("paper.yaml and finetune.yaml name a profile for every model", async () => {
    for (const file of ["paper", "finetune"]) {
      const experiment = await loadExperiment(new URL(`../../experiments/${file}.yaml`, import.meta.url).pathname, { env: {} });
      const declared = (experiment.spec.models as Array<{ profile?: string }>).map((m) => m.profile);
      assert.ok(declared.every(Boolean), `${file}.yaml: ${JSON.stringify(declared)}`);
      for (const m of experiment.models as ResolvedModel[]) {
        const owner = getProfile(m.profile.id);
        // A model named by its Hugging Face id sits in its profile's list; fine-tuned checkpoints keep their base's profile.
        if (m.model.includes("/")) assert.ok(owner.models.includes(m.model), `${file}: ${m.model} is not in ${owner.id}'s models`);
      }
    }
  });
});

// A 1×1 PNG.
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000 1f15c4890000000d49444154789c6300010000050001 0d0a2db40000000049454e44ae426082".replaceAll(" ", ""), "hex");
