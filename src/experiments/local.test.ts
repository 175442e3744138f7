import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../test-support.ts";
import { loadExperiment, parseExperiment } from "./load.ts";
import { localOverridePath, parseLocalOverride } from "./local.ts";

const SPEC = `id: study
models:
  - {id: reasoner, model: org/reasoner, base_url_env: TS_TEST_REASONER_URL, base: base}
  - {id: base, model: org/base, base_url_env: TS_TEST_BASE_URL}
benchmarks: [{id: figstep, subset: tiny}]
judges:
  - {id: refusal-keywords}
  - {id: llm-judge, model: judge-model, base_url_env: TS_TEST_JUDGE_URL}
`;

test("base_url_env: a set variable gives the endpoint, an unset one leaves the model unconfigured with the fix", () => {
  const experiment = parseExperiment(SPEC, "study.yaml", { env: { TS_TEST_REASONER_URL: "http://gpu-1:8000/v1/,http://gpu-2:8000/v1" } });
  const [reasoner, base] = experiment.models;
  assert.deepEqual(reasoner!.baseUrls, ["http://gpu-1:8000/v1", "http://gpu-2:8000/v1"]);
  assert.equal(reasoner!.unconfigured, null);
  assert.equal(reasoner!.endpoint, "http://gpu-1:8000/v1 http://gpu-2:8000/v1");
  assert.match(base!.unconfigured!, /not configured: set TS_TEST_BASE_URL .*study\.local\.yaml/);
  assert.equal(base!.endpoint, "unconfigured");
  // The endpoint judge without its URL is left out, with why; the local judge stays.
  assert.deepEqual(experiment.spec.judges.map((j) => j.id), ["refusal-keywords"]);
  assert.match(experiment.unconfiguredJudges["llm-judge"]!, /TS_TEST_JUDGE_URL/);
});

test("base_url_env holding something that is not a URL is an error that does not echo the value", () => {
  assert.throws(
    () => parseExperiment(SPEC, "study.yaml", { env: { TS_TEST_REASONER_URL: "sk-secret-value" } }),
    (error: Error) => /models\[0\]\.base_url_env: the environment variable TS_TEST_REASONER_URL does not hold an http\(s\) URL/.test(error.message) && !error.message.includes("sk-secret"),
  );
});

test("the hash names the shared file: endpoints from the environment or a local file do not change it", () => {
  const bare = parseExperiment(SPEC, "study.yaml", { env: {} });
  const configured = parseExperiment(SPEC, "study.yaml", {
    env: { TS_TEST_REASONER_URL: "http://a:1/v1", TS_TEST_BASE_URL: "http://b:1/v1" },
    local: parseLocalOverride("judges: [{id: llm-judge, base_url: 'http://judge:9/v1'}]", "study.local.yaml"),
  });
  assert.equal(bare.hash, configured.hash);
  assert.deepEqual(configured.spec.judges.map((j) => j.id), ["refusal-keywords", "llm-judge"]);
  assert.equal(configured.spec.judges[1]!.base_url, "http://judge:9/v1");
});

test("a local override beside the experiment sets endpoints, keys and data_dir; it is read by loadExperiment", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "study.yaml");
  await writeFile(file, SPEC);
  assert.equal(localOverridePath(file), join(dir, "study.local.yaml"));
  await writeFile(
    localOverridePath(file),
    "models:\n  - {id: base, base_url: 'http://base-host:8000/v1', api_key_env: BASE_KEY}\n  - {id: reasoner, base_url_env: OTHER_VAR}\ndata_dir: copies\n",
  );
  const experiment = await loadExperiment(file, { env: { OTHER_VAR: "http://other:1/v1" } });
  const [reasoner, base] = experiment.models;
  assert.deepEqual(base!.baseUrls, ["http://base-host:8000/v1"]);
  assert.equal(base!.apiKeyEnv, "BASE_KEY");
  assert.deepEqual(reasoner!.baseUrls, ["http://other:1/v1"]);
  assert.equal(experiment.dataDir, join(dir, "copies"));
  assert.equal(experiment.localFile, localOverridePath(file));
});

test("a local override naming an unknown model, or setting what is asked, is an error naming its file and field", () => {
  const local = parseLocalOverride("models: [{id: resoner, base_url: 'http://x:1/v1'}]", "study.local.yaml");
  assert.throws(() => parseExperiment(SPEC, "study.yaml", { env: {}, local }), /study\.local\.yaml: models\[0\]\.id: "resoner" is not a model of study\.yaml \(known ids: reasoner, base\)/);
  assert.throws(() => parseLocalOverride("models: [{id: base, temperature: 1}]", "study.local.yaml"), /study\.local\.yaml: models\[0\]\.temperature: unknown field \(a local override sets only endpoints/);
});

test("a key inside a local override's URL is refused, naming the local file and field, without the key", () => {
  const key = "sk-local-secret-0123456789";
  assert.throws(
    () => parseLocalOverride(`models:\n  - {id: reasoner, base_url: "http://me:${key}@gpu-1:8000/v1"}\n`, "study.local.yaml"),
    (error: Error) => /^study\.local\.yaml: models\[0\]\.base_url: the URL holds credentials .*api_key_env/.test(error.message) && !error.message.includes(key),
  );
});

test("a YAML alias bomb is a named error in experiment and local files", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g", "h"].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`)].join("\n");
  assert.throws(() => parseLocalOverride(bomb, "study.local.yaml"), /SpecError: study\.local\.yaml: its aliases \(\*name\) expand to more than 100 copies: an alias bomb \("billion laughs"\), refused/);
  assert.throws(() => parseExperiment(`id: x\n${bomb}\n`, "x.yaml"), /SpecError: x\.yaml: its aliases \(\*name\) expand to more than 100 copies: an alias bomb/);
});
