import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DataError, SpecError } from "../../errors.ts";
import { rejectsWith, tempDir } from "../../test-support.ts";
import { loadBuildItems, readUserItems } from "./inputs.ts";
import { loadTisBuild, parseTisBuild } from "./load.ts";
import { harmCategoryOf, loadSafetySpec, parseSafetySpec, specificationText } from "./safety-spec.ts";
import { tisBuildJsonSchema } from "./spec.ts";

const DEFAULT_SAFETY_SPEC = fileURLToPath(new URL("../../../experiments/tis/safety-spec.yaml", import.meta.url));
const DEMO = fileURLToPath(new URL("../../../experiments/tis-demo.yaml", import.meta.url));

const SPEC = `id: tis-test
safety_spec: tis/safety-spec.yaml
inputs:
  - {source: vlguard-train, limit: 100}
  - source: file
    path: mine/items.jsonl
data_dir: data
captioner:
  model: Qwen/Qwen2.5-VL-7B-Instruct
  base_url: http://127.0.0.1:8000/v1
teacher:
  model: deepseek-ai/DeepSeek-R1
  base_url: https://api.example.com/v1
  api_key_env: TEACHER_KEY
  generation: {max_tokens: 16000}
judge: {id: llm-judge, model: gpt-4o, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY}
filters:
  thinking_words: {min: 60, max: 3000}
`;

function specError(text: string): SpecError {
  try {
    parseTisBuild(text, "experiments/tis.yaml");
  } catch (error) {
    assert.ok(error instanceof SpecError, `expected a SpecError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the spec to be rejected");
}

describe("TiS build specs", () => {
  test("a full spec resolves its endpoints, defaults and inputs", () => {
    const build = parseTisBuild(SPEC, "/work/experiments/tis.yaml");
    assert.equal(build.captioner!.identity, "http://127.0.0.1:8000/v1");
    assert.deepEqual(build.teacher.generation, { temperature: 0.6, max_tokens: 16000 }, "the spec's settings override the defaults field by field");
    assert.equal(build.teacher.apiKeyEnv, "TEACHER_KEY");
    assert.equal(build.judge.endpoint!.model, "gpt-4o");
    assert.deepEqual(build.inputs.map((i) => [i.label, i.file, i.unlabelled]), [
      ["vlguard-train", null, "unchecked"],
      ["items", "/work/experiments/mine/items.jsonl", "unchecked"],
    ]);
    assert.equal(build.dataDir, "/work/experiments/data");
    assert.deepEqual(build.spec.filters.dedup, { enabled: true, by: ["question", "images"] });
    assert.equal(build.simulator, null);
  });

  test("errors name the file, the line and the field, and say how to fix them", () => {
    const unknown = specError(SPEC.replace("  generation: {max_tokens: 16000}\n", "  generation: {max_tokens: 16000}\n  temprature: 0.7\n"));
    assert.equal(unknown.message, "experiments/tis.yaml:16: teacher.temprature: unknown field (known fields here: model, base_url, base_urls, simulated, api_key_env, generation, extra_body, concurrency)");
    assert.match(specError(SPEC.replace("  model: deepseek-ai/DeepSeek-R1\n", "")).message, /^experiments\/tis\.yaml:11: teacher\.model: is missing/);
    assert.match(specError(SPEC.replace("{min: 60, max: 3000}", "{min: 600, max: 300}")).message, /^experiments\/tis\.yaml:18: filters\.thinking_words\.max: is below min \(600\)/);
    assert.match(specError(SPEC.replace("{id: llm-judge,", "{id: gpt-judge,")).message, /:16: judge\.id: expected one of refusal-keywords, llm-judge, llama-guard/);
    assert.match(specError(SPEC.replace("api_key_env: TEACHER_KEY", "api_key_env: sk-live-123")).message, /:14: teacher\.api_key_env: expected the NAME of an environment variable/);
  });

  test("cross-field rules: one endpoint each, local judges take none, inputs and captions agree", () => {
    assert.match(specError(SPEC.replace("  base_url: http://127.0.0.1:8000/v1\n", "")).message, /:8: captioner: needs exactly one of base_url, base_urls or simulated/);
    assert.match(specError(SPEC.replace(/judge: \{.*\}/, "judge: {id: refusal-keywords, model: gpt-4o}")).message, /:16: judge\.model: refusal-keywords runs locally/);
    assert.match(specError(SPEC.replace(/judge: \{.*\}/, "judge: {id: llama-guard, model: llama-guard-3}")).message, /:16: judge: needs exactly one of base_url or simulated/);
    assert.match(specError(SPEC.replace("    path: mine/items.jsonl\n", "")).message, /:5: inputs\[1\]: a file input needs path/);
    assert.match(specError(SPEC.replace("{source: vlguard-train, limit: 100}", "{source: vlguard-train, path: x.json}")).message, /:4: inputs\[0\]\.path: vlguard-train is read from data_dir/);
    const given = SPEC.replace(/captioner:\n(  .*\n)+?teacher:/, "captioner: {given: true}\nteacher:");
    assert.match(specError(given).message, /:4: inputs\[0\]\.source: vlguard-train items carry no captions, and the captioner is given: true/);
    assert.match(specError(given.replace("{given: true}", "{given: true, model: m}")).message, /captioner\.model: given captions take no model/);
    assert.match(specError(`${SPEC}simulator: {config: sim.yaml}\n`).message, /:19: simulator: is set but nothing is simulated/);
  });

  test("the hash follows the content, the safety specification's bytes included, not the wording", async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, "tis"));
    const safety = await readFile(DEFAULT_SAFETY_SPEC, "utf8");
    await writeFile(join(dir, "tis", "safety-spec.yaml"), safety);
    const write = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return (await loadTisBuild(join(dir, name))).hash;
    };
    const base = await write("a.yaml", SPEC);
    assert.equal(await write("b.yaml", `description: same build, reworded\n${SPEC}`), base);
    assert.notEqual(await write("c.yaml", SPEC.replace("limit: 100", "limit: 99")), base);
    await writeFile(join(dir, "tis", "safety-spec.yaml"), `${safety}# an edit\n`);
    assert.notEqual(await write("d.yaml", SPEC), base);
  });

  test("the shipped demo is fully simulated and every endpoint is identified by the simulator's config", async () => {
    const build = await loadTisBuild(DEMO);
    assert.ok(build.simulator);
    for (const endpoint of [build.captioner!, build.teacher, build.judge.endpoint!]) {
      assert.equal(endpoint.simulated, true);
      assert.match(endpoint.identity, /^thinksafe-simulator:v\d+:[0-9a-f]{16}$/);
    }
  });
});

test("experiments/tis/build.schema.json is generated from the spec's definition and up to date", async () => {
  const committed = JSON.parse(await readFile(new URL("../../../experiments/tis/build.schema.json", import.meta.url), "utf8"));
  assert.deepEqual(
    committed,
    tisBuildJsonSchema(),
    `regenerate with: npx tsx -e 'import("./src/tis/pipeline/spec.ts").then((m) => console.log(JSON.stringify(m.tisBuildJsonSchema(), null, 2)))' > experiments/tis/build.schema.json`,
  );
});

describe("the safety specification", () => {
  test("the shipped one covers VLGuard's and SPA-VL's taxonomies and renders for the teacher", async () => {
    const spec = await loadSafetySpec(DEFAULT_SAFETY_SPEC);
    const ids = spec.content.harm_categories.map((c) => c.id);
    for (const id of ["privacy", "risky_behaviour", "deception", "discrimination", "hateful_content", "illegal_activity", "self_harm", "sexual_content", "violence", "malicious_use"]) {
      assert.ok(ids.includes(id), id);
    }
    // VLGuard's harmful_category values, and SPA-VL image folders as TiS's own paths show them.
    assert.equal(harmCategoryOf(spec, "risky behavior"), "risky_behaviour");
    assert.equal(harmCategoryOf(spec, "privacy"), "privacy");
    assert.equal(harmCategoryOf(spec, "deception"), "deception");
    assert.equal(harmCategoryOf(spec, "Discrimination"), "discrimination");
    assert.equal(harmCategoryOf(spec, "Representation & ToxicityHarms/Unfair/racial"), "discrimination", "the most specific segment wins");
    assert.equal(harmCategoryOf(spec, "Malicious Use/Fraud or deceptive action/financial fraud"), "illegal_activity");
    assert.equal(harmCategoryOf(spec, "Malicious Use/Something new"), "malicious_use", "falls back to the domain");
    assert.equal(harmCategoryOf(spec, "Gardening"), null);
    assert.equal(harmCategoryOf(spec, null), null);
    const text = specificationText(spec);
    assert.match(text, /^Harm categories:\n- \*\*Privacy\*\*: Requests to identify/);
    assert.match(text, /- \*\*Disallowed requests\*\*: [^\n]+\n {2}Examples: "Can you provide the personal details/);
    assert.match(text, /- \*\*Safe-completion requests\*\*/);
  });

  test("errors name the line and field: an alias claimed twice, a missing request kind", () => {
    const minimal = `id: mine
version: 1
harm_categories:
  - {id: privacy, name: Privacy, definition: Personal data.}
  - id: doxxing
    name: Doxxing
    definition: Exposing people.
    aliases: [personal data, Privacy]
requests:
  allowed: {name: Allowed, definition: Fine.}
  disallowed: {name: Disallowed, definition: Not fine.}
  safe_completion: {name: Safe completion, definition: Partly.}
`;
    assert.throws(() => parseSafetySpec(minimal, "spec.yaml"), (error: Error) => {
      assert.ok(error instanceof SpecError);
      assert.equal(error.message, 'spec.yaml:8: harm_categories[1].aliases[1]: "Privacy" already names category "privacy" (a source category must map to one harm category)');
      return true;
    });
    assert.throws(() => parseSafetySpec(minimal.replace("  disallowed: {name: Disallowed, definition: Not fine.}\n", "").replace(", Privacy]", "]"), "spec.yaml"), /^SpecError: spec\.yaml:9: requests\.disallowed: is missing/);
  });
});

describe("training-set inputs", () => {
  test("VLGuard train, SPA-VL and MIS items from the data folder: labels, harm categories, release image paths", async (t) => {
    const dir = await tempDir(t);
    const fixtures = fileURLToPath(new URL("../../benchmarks/fixtures/training-sets/", import.meta.url));
    const place = async (target: string, bytes: Buffer | string) => {
      await mkdir(join(dir, target, ".."), { recursive: true });
      await writeFile(join(dir, target), bytes);
    };
    await place("data/vlguard/train.json", await readFile(join(fixtures, "vlguard-train.json")));
    await place("data/spa-vl/train.json", await readFile(join(fixtures, "spa-vl-train.json")));
    await place("data/mis/mis_train.json", await readFile(join(fixtures, "mis_train.json")));
    const png = await readFile(fileURLToPath(new URL("../../../experiments/tis/demo-images/img-01.png", import.meta.url)));
    const images = [
      "vlguard/train/bad_ads/ad-10.png",
      "vlguard/train/HOD/hod-10.jpg",
      "spa-vl/images/Representation & ToxicityHarms/Unfair/racial/170.jpg",
      "spa-vl/images/Malicious Use/Fraud or deceptive action/financial fraud/12.png",
      "mis/images/1_a.png",
      "mis/images/1_b.png",
      "mis/images/2_a.jpg",
      "mis/images/2_b.jpg",
    ];
    // The readers check images by their bytes, not their names: a PNG under a .jpg name is read as a PNG.
    for (const image of images) await place(`data/${image}`, png);
    await place("safety-spec.yaml", await readFile(DEFAULT_SAFETY_SPEC));
    await place(
      "build.yaml",
      `id: sets
safety_spec: safety-spec.yaml
data_dir: data
inputs:
  - {source: vlguard-train}
  - {source: spa-vl, unlabelled: harmful, limit: 1}
  - {source: mis}
captioner: {model: m, base_url: http://127.0.0.1:1/v1}
teacher: {model: m, base_url: http://127.0.0.1:1/v1}
judge: {id: refusal-keywords}
`,
    );
    const build = await loadTisBuild(join(dir, "build.yaml"));
    const items = await loadBuildItems(build, { dataDir: build.dataDir });
    assert.deepEqual(
      items.map((i) => [i.itemId, i.label, i.check, i.harmCategory, i.images.map((image) => image.path)]),
      [
        ["vlguard-train/Ads_10/safe_safe", "benign", "benign", null, ["images/bad_ads/ad-10.png"]],
        ["vlguard-train/Ads_10/safe_unsafe", "harmful", "harmful", null, ["images/bad_ads/ad-10.png"]],
        ["vlguard-train/HOD_10/unsafe", "harmful", "harmful", "risky_behaviour", ["images/HOD/hod-10.jpg"]],
        ["spa-vl/233", null, "harmful", "discrimination", ["images/Representation & ToxicityHarms/Unfair/racial/170.jpg"]],
        ["mis/1", null, "unchecked", "violence", ["images/images/1_a.png", "images/images/1_b.png"]],
        ["mis/mis-2", null, "unchecked", null, ["images/images/2_a.jpg", "images/images/2_b.jpg"]],
      ],
    );
    assert.equal(items.at(-1)!.question, "What do these two pictures have in common?", "<image> placeholders are not part of the question");
    assert.ok(items.every((i) => i.images.every((image) => image.sha256 === items[0]!.images[0]!.sha256)));
  });
});

describe("user item files", () => {
  test("JSONL and JSON arrays; errors name the line or item and the field", async (t) => {
    const dir = await tempDir(t);
    const jsonl = join(dir, "items.jsonl");
    await writeFile(jsonl, '{"id": "a", "image": "x.png", "question": "Q?", "label": "harmful", "category": "privacy"}\n\n{"images": ["x.png", "y.png"], "question": "<image><image>Compare."}\n');
    const items = await readUserItems(jsonl);
    assert.deepEqual(
      items.map((i) => [i.sourceId, i.label, i.category, i.images.map((image) => image.path)]),
      [
        ["a", "harmful", "privacy", ["images/x.png"]],
        ["3", null, null, ["images/x.png", "images/y.png"]],
      ],
    );
    const bad = async (text: string, ...fragments: string[]) => {
      await writeFile(jsonl, text);
      await rejectsWith(readUserItems(jsonl), DataError, ...fragments);
    };
    await bad('{"image": "x.png", "question": "Q", "label": "unsafe"}\n', "items.jsonl, line 1, column \"label\": expected \"harmful\" or \"benign\"");
    await bad('{"image": "x.png"}\n', 'line 1, column "question": missing field');
    await bad('{"image": "../x.png", "question": "Q"}\n', 'column "image": expected a path relative to the file\'s folder');
    await bad('{"id": 1, "image": "x.png", "question": "Q"}\n{"id": 1, "image": "x.png", "question": "Q"}\n', 'line 2, column "id": duplicate id 1');
    await bad('{"image": "x.png", "question": "Q", "answer": "A"}\n', 'column "answer": unknown field');
    await bad("{not json\n", "line 1: not valid JSON");
    const array = join(dir, "items.json");
    await writeFile(array, '[{"image": "x.png", "question": "Q"}, {"image": "x.png", "images": ["y.png"], "question": "Q"}]');
    await rejectsWith(readUserItems(array), DataError, 'items.json, row 2, column "image": needs exactly one of image or images');
  });
});
