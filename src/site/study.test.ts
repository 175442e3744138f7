import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { environmentFingerprint } from "./freshness.ts";
import { missingCells, statusRows, type SiteRun } from "./study-files.ts";
import { publishesImages } from "./study.ts";

const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));

const cell = (model: string, status: "answered" | "cached" | "partial" | "missing", reason: string | null) => ({
  model_id: model, base_model_id: null, benchmark_id: "figstep", subset: "tiny", status, planned: 2, answered: 0, from_cache: 2, errors: 0, reason,
});
const RUNS: SiteRun[] = [
  { experiment_id: "demo", experiment_hash: "a", is_simulated: true, cells: [cell("m1", "cached", null), cell("m2", "answered", null)], unconfigured_judges: {} },
  { experiment_id: "paper", experiment_hash: "b", is_simulated: false, cells: [cell("r1", "missing", "endpoint: not configured"), cell("r2", "partial", "1 timeout")], unconfigured_judges: { "llm-judge": "not configured: set X" } },
];

test("the status matrix is every experiment's cells, labelled with the experiment and whether it is simulated", () => {
  const rows = statusRows(RUNS);
  assert.equal(rows.length, 4);
  assert.deepEqual(rows.map((r) => [r.experiment_id, r.is_simulated, r.model_id]), [["demo", true, "m1"], ["demo", true, "m2"], ["paper", false, "r1"], ["paper", false, "r2"]]);
});

test("--strict lists every cell without full results and every judge left out, with why", () => {
  assert.deepEqual(missingCells(RUNS), [
    "paper: r1 × figstep/tiny: missing: endpoint: not configured",
    "paper: r2 × figstep/tiny: partial: 1 timeout",
    "paper: judge llm-judge: not configured: set X",
  ]);
});

test("the build's environment fingerprint covers endpoint variables by value and secrets by presence only", () => {
  const fingerprint = environmentFingerprint({ THINKSAFE_URL_R1: "http://gpu:8000/v1", THINKSAFE_API_KEY: "sk-secret", THINKSAFE_SITE_STUDY: "/x", OPENAI_API_KEY: "sk-2", PATH: "/bin" });
  assert.match(fingerprint, /THINKSAFE_URL_R1=http:\/\/gpu:8000\/v1/);
  assert.match(fingerprint, /THINKSAFE_API_KEY=\(set\)/);
  assert.match(fingerprint, /OPENAI_API_KEY set/);
  assert.doesNotMatch(fingerprint, /sk-secret|sk-2|SITE_STUDY|PATH/);
});

test("npm run build -- --strict stops before Framework's build when the study has missing cells, naming them", { timeout: 180_000 }, () => {
  // No endpoint of experiments/paper.yaml is configured here, so its cells are missing.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("THINKSAFE_URL_")));
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/site/build.ts", "--strict"], { cwd: PROJECT_DIR, env, encoding: "utf8", timeout: 170_000 });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /study cell\(s\) have no results/);
  assert.match(result.stderr, /paper: r1-onevision-7b × figstep\/safebench: missing: endpoint: not configured: set THINKSAFE_URL_R1_ONEVISION_7B/);
  assert.match(result.stderr, /paper: judge llm-judge: not configured/);
  assert.doesNotMatch(result.stderr, /observable|built into dist/i);
});

test("the site publishes images thinksafe ships or draws, and a user's copies only when asked to", () => {
  assert.equal(publishesImages({ benchmark: "figstep" }, {}), true);
  assert.equal(publishesImages({ benchmark: "synthetic-shapes" }, {}), true);
  assert.equal(publishesImages({ benchmark: "mm-safetybench" }, {}), false);
  assert.equal(publishesImages({ benchmark: "siuo" }, { THINKSAFE_PUBLISH_USER_IMAGES: "1" }), true);
});
