// The fine-tuning comparison's experiments: experiments/finetune.yaml (the real study) and
// experiments/finetune-demo.yaml (its simulated stand-in, which every site build runs).
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { getBenchmark } from "../benchmarks/index.ts";
import { runExperiment } from "../eval/run-experiment.ts";
import { parseFineTunedName, readTrainingFile } from "../simulator/fine-tuned.ts";
import { capabilityDatabase, readCapability } from "../stats/capability.ts";
import { tempDir } from "../test-support.ts";
import { loadExperiment, parseExperiment } from "./load.ts";

const EXPERIMENTS = fileURLToPath(new URL("../../experiments/", import.meta.url));
const TRAINING_SETS = ["vlguard", "mis", "spa-vl", "tis"];

/** The shipped TiS sample as a chat training file, measured by the simulator's own rule. */
async function tisSampleStats() {
  const sample = JSON.parse(await readFile(new URL("../../datasets/think-in-safety/tis_sample.json", import.meta.url), "utf8")) as Array<{ conversations: Array<{ from: string; value: string }> }>;
  const lines = sample.map((r) => JSON.stringify({ messages: r.conversations.map((c) => ({ role: c.from === "human" ? "user" : "assistant", content: c.value })) }));
  const read = readTrainingFile(lines.join("\n"), 1);
  assert.ok(read.ok);
  return read.stats;
}

describe("experiments/finetune-demo.yaml", () => {
  test("two untuned models and, under each, four simulated checkpoints the simulator serves", async () => {
    const experiment = await loadExperiment(join(EXPERIMENTS, "finetune-demo.yaml"));
    assert.equal(experiment.id, "finetune-demo");
    assert.ok(experiment.models.every((m) => m.simulated), "every model is simulated");
    assert.ok(experiment.spec.judges.every((j) => j.simulated || !j.model), "and every judge");
    const untuned = experiment.models.filter((m) => m.base === null);
    assert.deepEqual(untuned.map((m) => m.id), ["r1-onevision-7b", "llava-cot-11b"]);
    const tis = await tisSampleStats();
    for (const base of untuned) {
      const tuned = experiment.models.filter((m) => m.base === base.id);
      assert.deepEqual(tuned.map((m) => m.id), TRAINING_SETS.map((set) => `${base.id}-${set}`));
      for (const model of tuned) {
        const name = parseFineTunedName(model.model);
        assert.ok(name, `${model.model} is an ft: id the simulator serves`);
        assert.equal(name.base, base.model, "fine-tuned from the untuned model");
        assert.equal(name.epochs, 3);
        if (model.id.endsWith("-tis")) {
          // TiS: the shipped sample's shares, as `finetune create --simulated` measures a training file.
          assert.deepEqual([name.refusalPercent, name.thinkingPercent], [Math.round(100 * tis.refusalShare), Math.round(100 * tis.thinkingShare)]);
        } else {
          assert.equal(name.thinkingPercent, 0, `${model.id}: plain answers, no thought process`);
        }
      }
    }
    const groups = experiment.spec.benchmarks.map((b) => getBenchmark(b.id).group);
    assert.deepEqual(groups, ["jailbreak-robustness", "capability"]);
  });

  test("run on a few items: the checkpoints keep or drop their thinking as their ids say, and are compared with the untuned model", async (t) => {
    const dir = await tempDir(t);
    const text = (await readFile(join(EXPERIMENTS, "finetune-demo.yaml"), "utf8"))
      .replace("{id: figstep, subset: tiny}", "{id: figstep, subset: tiny, limit: 3}")
      .replace("{id: synthetic-shapes}", "{id: synthetic-shapes, limit: 20}")
      .replace(/ {2}- \{id: (llm-judge|llama-guard),.*\n/g, "");
    const file = join(dir, "finetune-demo.yaml");
    await writeFile(file, text);
    const out = join(dir, "run");
    await runExperiment(parseExperiment(text, file), { outDir: out, cacheDir: join(dir, "cache"), calibrate: false, log: () => {} });
    const db = await capabilityDatabase(out);
    let stats: Awaited<ReturnType<typeof readCapability>>;
    try {
      stats = await readCapability(db);
    } finally {
      db.close();
    }
    const thinking = (id: string) => stats.thinking_retention.find((r) => r.model_id === id && r.benchmark_id === null)!;
    for (const base of ["r1-onevision-7b", "llava-cot-11b"]) {
      assert.equal(thinking(base).thinking_rate, 1, `${base} thinks`);
      assert.equal(thinking(`${base}-tis`).thinking_rate, 1, "TiS keeps the thought process");
      assert.equal(thinking(`${base}-tis`).base_thinking_rate, 1);
      for (const set of ["vlguard", "mis", "spa-vl"]) assert.equal(thinking(`${base}-${set}`).thinking_rate, 0, `${set} drops it`);
      const capability = stats.capability.filter((r) => r.base_model_id === base);
      assert.equal(capability.length, 4, "each checkpoint compared with the untuned model on synthetic-shapes");
      for (const row of capability) {
        assert.equal(row.benchmark_id, "synthetic-shapes");
        assert.equal(row.n_pairs, 20);
        assert.ok((row.delta_ci_low as number) <= (row.delta as number) && (row.delta as number) <= (row.delta_ci_high as number));
      }
    }
  });
});

describe("experiments/finetune.yaml", () => {
  test("the real study: both models untuned and on four sets, both safety groups and the four capability suites, endpoints from the environment", async () => {
    const text = await readFile(join(EXPERIMENTS, "finetune.yaml"), "utf8");
    const file = join(EXPERIMENTS, "finetune.yaml");
    const unset = parseExperiment(text, file, { env: {} });
    assert.equal(unset.models.length, 10);
    assert.ok(unset.models.every((m) => !m.simulated && m.unconfigured?.startsWith("not configured: set THINKSAFE_URL_")), "nothing names a host");
    for (const base of ["r1-onevision-7b", "llava-cot-11b"]) {
      assert.deepEqual(unset.models.filter((m) => m.base === base).map((m) => m.id), TRAINING_SETS.map((set) => `${base}-${set}`));
    }
    const groups = new Map(unset.spec.benchmarks.map((b) => [b.id, getBenchmark(b.id).group]));
    assert.deepEqual([...groups.keys()], ["mm-safetybench", "figstep", "jailbreakv", "siuo", "mssbench", "mmmu", "mmstar", "mm-vet", "pope"]);
    assert.deepEqual(new Set(groups.values()), new Set(["jailbreak-robustness", "safety-awareness", "capability"]));
    // MM-Vet's grader comes from its variable like the judge's endpoint, or is listed as unconfigured.
    assert.equal(unset.spec.grader, undefined);
    assert.match(unset.unconfiguredJudges["mm-vet grader"]!, /THINKSAFE_URL_GRADER/);
    const set = parseExperiment(text, file, { env: { THINKSAFE_URL_GRADER: "https://grader.example/v1", THINKSAFE_URL_R1_ONEVISION_7B_TIS: "http://gpu:8000/v1" } });
    assert.deepEqual(set.spec.grader, { model: "gpt-4-0613", api_key_env: "OPENAI_API_KEY", base_url: "https://grader.example/v1" });
    assert.equal(set.unconfiguredJudges["mm-vet grader"], undefined);
    assert.deepEqual(set.models.find((m) => m.id === "r1-onevision-7b-tis")!.baseUrls, ["http://gpu:8000/v1"]);
    assert.equal(set.hash, unset.hash, "where the endpoints are is not part of the experiment");
  });
});
