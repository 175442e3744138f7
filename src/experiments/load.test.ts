import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { SpecError } from "../errors.ts";
import { loadExperiment, parseExperiment } from "./load.ts";
import { experimentJsonSchema } from "./spec.ts";

const CONTRACT = `id: demo
models:
  - id: r1-onevision-7b
    model: Fancy-MLLM/R1-Onevision-7B
    base_url: http://127.0.0.1:8000/v1
    api_key_env: VLLM_API_KEY
    base: qwen2.5-vl-7b
  - id: qwen2.5-vl-7b
    model: Qwen/Qwen2.5-VL-7B-Instruct
    base_urls: [http://127.0.0.1:8001/v1/, http://127.0.0.1:8002/v1]
    extra_body: {chat_template_kwargs: {enable_thinking: false}}
    generation: {max_tokens: 512}
benchmarks:
  - id: figstep
    subset: tiny
    limit: 50
repeats: 1
generation: {temperature: 0, max_tokens: 2048}
concurrency: 32
timeout_s: 60
judges: [{id: refusal-keywords}]
`;

function specError(text: string): SpecError {
  try {
    parseExperiment(text, "experiments/demo.yaml");
  } catch (error) {
    assert.ok(error instanceof SpecError, `expected a SpecError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the spec to be rejected");
}

describe("experiment specs", () => {
  test("the contract's example parses, with per-model settings resolved", () => {
    const experiment = parseExperiment(CONTRACT, "demo.yaml");
    const [r1, qwen] = experiment.models;
    assert.equal(experiment.id, "demo");
    assert.deepEqual(r1!.baseUrls, ["http://127.0.0.1:8000/v1"]);
    assert.equal(r1!.apiKeyEnv, "VLLM_API_KEY");
    assert.equal(r1!.base, "qwen2.5-vl-7b");
    assert.equal(r1!.concurrency, 32);
    assert.deepEqual(qwen!.baseUrls, ["http://127.0.0.1:8001/v1", "http://127.0.0.1:8002/v1"], "trailing slashes dropped");
    assert.deepEqual(qwen!.generation, { temperature: 0, max_tokens: 512 }, "model settings override the experiment's");
    assert.deepEqual(qwen!.extraBody, { chat_template_kwargs: { enable_thinking: false } });
    assert.equal(experiment.spec.max_attempts, 6, "defaults applied");
    assert.match(experiment.hash, /^[0-9a-f]{64}$/);
  });

  test("the hash ignores formatting, key order and the description, not the content", () => {
    const a = parseExperiment(CONTRACT, "a.yaml").hash;
    const reordered = CONTRACT.replace("repeats: 1\n", "").replace("id: demo\n", "id: demo\nrepeats: 1\ndescription: same study\n");
    assert.equal(parseExperiment(reordered, "b.yaml").hash, a);
    assert.notEqual(parseExperiment(CONTRACT.replace("limit: 50", "limit: 49"), "c.yaml").hash, a);
  });

  test("an unknown field names its path and line and lists the known fields", () => {
    const error = specError(CONTRACT.replace("    base: qwen2.5-vl-7b\n", "    base: qwen2.5-vl-7b\n    temprature: 0.7\n"));
    assert.equal(error.path, "models[0].temprature");
    assert.equal(error.line, 8);
    assert.match(error.message, /^experiments\/demo\.yaml:8: models\[0\]\.temprature: unknown field \(known fields here: id, model, base_url/);
  });

  test("a missing field, a bad URL, a key in api_key_env and a bad number are explained", () => {
    assert.match(specError(CONTRACT.replace("    model: Fancy-MLLM/R1-Onevision-7B\n", "")).message, /models\[0\]\.model: is missing \(add model: <the name sent to the endpoint>, or finetune: <a fine-tuning record>\)/);
    assert.match(specError(CONTRACT.replace("http://127.0.0.1:8000/v1", "localhost:8000")).message, /:5: models\[0\]\.base_url: expected an http\(s\) URL/);
    assert.match(specError(CONTRACT.replace("api_key_env: VLLM_API_KEY", "api_key_env: sk-live-123")).message, /models\[0\]\.api_key_env: expected the NAME of an environment variable/);
    assert.match(specError(CONTRACT.replace("repeats: 1", "repeats: 0")).message, /^experiments\/demo\.yaml:17: repeats: /);
  });

  test("cross-field rules: one of base_url/base_urls, unique ids, base names another model, no duplicate benchmark", () => {
    assert.match(specError(CONTRACT.replace("    base_url: http://127.0.0.1:8000/v1\n", "")).message, /models\[0\]: needs exactly one of base_url, base_urls, base_url_env or simulated/);
    assert.match(specError(CONTRACT.replace("  - id: qwen2.5-vl-7b", "  - id: r1-onevision-7b")).message, /models\[1\]\.id: duplicate model id/);
    assert.match(specError(CONTRACT.replace("base: qwen2.5-vl-7b", "base: qwen2-vl")).message, /models\[0\]\.base: "qwen2-vl" is not another model/);
    assert.match(specError(CONTRACT.replace("benchmarks:\n", "benchmarks:\n  - {id: figstep, subset: tiny}\n")).message, /benchmarks\[1\]: benchmark "figstep" subset "tiny" is listed twice/);
  });

  test("simulated models are identified by the simulator's config, not by a URL or port", async () => {
    const text = `id: sim\nmodels:\n  - {id: a, model: sim/r1-onevision-7b, simulated: true}\n  - {id: b, model: x, base_url: "http://h:1/v1?api-version=2"}\nbenchmarks: [{id: figstep}]\n`;
    const [a, b] = parseExperiment(text, "sim.yaml").models;
    assert.equal(a!.simulated, true);
    assert.deepEqual(a!.baseUrls, []);
    assert.match(a!.endpoint, /^thinksafe-simulator:v\d+:[0-9a-f]{16}$/);
    assert.equal(b!.endpoint, "http://h:1/v1", "no query string in the recorded endpoint");
    assert.match(specError(text.replace("simulated: true}", "simulated: true, base_url: http://h/v1}")).message, /needs exactly one of/);
    assert.match(specError(text.replace("simulated: true}", "simulated: false}")).message, /models\[0\]\.simulated: /);
    assert.match(specError(text.replace("simulated: true}", `base_url: "http://h/v1"}`) + "simulator: {}\n").message, /simulator: is set but no model or judge has simulated: true/);
  });

  test("a key inside a URL is refused where it is written, saying to use api_key_env, without repeating it", () => {
    const key = "sk-url-secret-0123456789";
    const base = `id: k\nmodels:\n  - {id: a, model: x, base_url: "URL"}\nbenchmarks: [{id: figstep}]\n`;
    for (const url of [`http://user:${key}@h:1/v1`, `https://h/v1?api_key=${key}`, `https://h/v1?token=${key}`]) {
      const error = specError(base.replace("URL", url));
      assert.match(error.message, /^experiments\/demo\.yaml:3: models\[0\]\.base_url: the URL holds .*api_key_env/);
      assert.ok(!error.message.includes(key), error.message);
    }
    const env = { THINKSAFE_TEST_URL: `http://u:${key}@gpu:8000/v1` };
    assert.throws(
      () => parseExperiment(base.replace(`base_url: "URL"`, "base_url_env: THINKSAFE_TEST_URL"), "k.yaml", { env }),
      (error: Error) => /models\[0\]\.base_url_env: the environment variable THINKSAFE_TEST_URL holds a URL that holds credentials.*api_key_env/.test(error.message) && !error.message.includes(key),
    );
  });

  test("the shipped demo experiment is valid and fully simulated", async () => {
    const demo = await loadExperiment(new URL("../../experiments/demo.yaml", import.meta.url).pathname);
    assert.ok(demo.models.every((m) => m.simulated));
    assert.ok(demo.models.filter((m) => m.base).every((m) => demo.models.some((o) => o.id === m.base)));
  });

  test("YAML syntax errors give the line", () => {
    assert.match(specError(CONTRACT.replace("concurrency: 32", "concurrency: [32")).message, /^experiments\/demo\.yaml:\d+: not valid YAML/);
  });

  test("a missing file is a SpecError naming it", async () => {
    await assert.rejects(loadExperiment("/nonexistent/x.yaml"), /\/nonexistent\/x\.yaml: file not found/);
  });

  test("experiments/experiment.schema.json is generated from the same definition and up to date", async () => {
    const committed = JSON.parse(await readFile(new URL("../../experiments/experiment.schema.json", import.meta.url), "utf8"));
    assert.deepEqual(committed, experimentJsonSchema(), "regenerate with: npx thinksafe schema > experiments/experiment.schema.json");
  });
});

test("the shipped paper experiment is valid, names each reasoning model's base, and runs nothing until configured", async () => {
  const experiment = await loadExperiment(fileURLToPath(new URL("../../experiments/paper.yaml", import.meta.url)), { env: {} });
  assert.deepEqual(
    experiment.spec.benchmarks.map((b) => b.id),
    ["mm-safetybench", "figstep", "jailbreakv", "siuo", "mssbench"],
  );
  assert.ok(experiment.models.every((m) => m.unconfigured !== null && !m.simulated), "no endpoint is committed");
  assert.ok(experiment.models.filter((m) => m.base).length >= 5);
  assert.deepEqual(Object.keys(experiment.unconfiguredJudges), ["llm-judge"]);
});
