// experiments/paper.yaml as written — its 14 models, their profiles, prompts and settings — run
// through the whole engine against simulated endpoints that speak each family's format (the
// simulator `thinksafe simulate --experiment experiments/paper.yaml` starts), on a few FigStep
// samples. Every row's thinking and answer must be exactly what the simulated model decided to say.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadExperiment, type Experiment } from "../experiments/load.ts";
import { resolveChat } from "../simulator/chat.ts";
import { modelsSpeaking, parseSimulatorConfig, type ModelConfig } from "../simulator/config.ts";
import { startSimulator, type RunningSimulator } from "../simulator/server.ts";
import { Database } from "../duckdb/database.ts";
import { tempDir } from "../test-support.ts";
import { loadSamples } from "./plan.ts";
import { requestBody } from "./request.ts";
import { runExperiment } from "./run-experiment.ts";

const PAPER = fileURLToPath(new URL("../../experiments/paper.yaml", import.meta.url));

let simulator: RunningSimulator;
let experiment: Experiment;
let models: Map<string, ModelConfig>;
let seed: number;
let env: NodeJS.ProcessEnv;

before(async () => {
  const declared = await loadExperiment(PAPER, { env: {} });
  // The paper's LLM judge is served by the simulator too, so that thinking gets its verdicts.
  const judge = { name: "gpt-4o-2024-08-06", reasoning: "none", role: "judge", refusal_rate: 0 };
  const config = parseSimulatorConfig({ latency_ms: { distribution: "fixed", mean: 0 }, models: [...modelsSpeaking(declared.models.map((m) => ({ name: m.model, profile: m.profile.id }))), judge] }, "paper formats");
  models = new Map(config.models.map((m) => [m.name, m]));
  seed = config.seed;
  simulator = await startSimulator(config, { port: 0 });
  // Every endpoint variable of paper.yaml points at the simulator; three FigStep samples stand in for the five suites.
  env = { ...Object.fromEntries((declared.spec.models as Array<{ base_url_env?: string }>).map((m) => [m.base_url_env!, simulator.url])), THINKSAFE_URL_JUDGE: simulator.url, OPENAI_API_KEY: "sk-simulated" };
  const loaded = await loadExperiment(PAPER, { env });
  experiment = { ...loaded, spec: { ...loaded.spec, benchmarks: [{ id: "figstep", subset: "safebench", limit: 3 }] } };
});
after(() => simulator.close());

test("experiments/paper.yaml against simulated endpoints: every model's thinking and answer come out as the model said them", { timeout: 300_000 }, async (t) => {
  const dir = await tempDir(t);
  const summary = await runExperiment(experiment, { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), log: () => {}, calibrate: false, env });
  assert.equal(summary.errors, 0, JSON.stringify(summary.errorKinds));
  assert.equal(summary.rows, 14 * 3);
  const db = await Database.open();
  const rows = await db.rows(`SELECT * FROM read_parquet('${summary.responsesFile}')`).finally(() => db.close());
  const samples = (await loadSamples(experiment)).flat();

  const seen = new Map<string, string>();
  for (const row of rows) {
    const model = experiment.models.find((m) => m.id === row.model_id)!;
    const sample = samples.find((s) => s.sampleId === row.sample_id)!;
    assert.equal(row.profile, model.profile.id);
    assert.equal(row.is_simulated, true);
    const dialogue = model.profile.exchange.kind === "dialogue";
    // The simulator's decision for this request; a dialogue's turns all follow its first turn's.
    const body = await requestBody(model, sample, 0, undefined, dialogue ? { turn: 0, history: [] } : undefined);
    // As the endpoint receives it: serialised (each image's data URI is spelled out then).
    const resolved = resolveChat(JSON.parse(JSON.stringify(body)), seed, models);
    assert.ok(resolved.ok);
    const { thinking, answer } = resolved.reply.decision;
    const words = (text: unknown) => String(text ?? "").split(/\s+/).filter((w) => w && !/^(###|Image|Description:|Rationales:|Let's|think|step|by|step\.|Step|1:|Summary:|Caption:|Reasoning:)$/.test(w));
    const what = `${row.model_id} (${model.profile.id}) on ${row.sample_id}`;
    switch (model.profile.separation.kind) {
      case "none":
        // VL-Rethinker and the bases: no thinking column, the whole output is the answer.
        assert.equal(row.thinking, null, what);
        assert.equal(row.reasoning_source, "none", what);
        assert.ok(String(row.answer).endsWith(answer) && String(row.answer).startsWith(thinking.split(" ")[0] ?? ""), what);
        break;
      default:
        assert.deepEqual(words(row.thinking), words(thinking), what);
        // LlamaV-o1's conclusion turn keeps its authors' 50-token limit only without the experiment's max_tokens; paper.yaml sets 4096.
        assert.equal(row.answer, answer, what);
        assert.equal(row.thinking_complete, true, what);
    }
    seen.set(String(row.model_id), String(row.reasoning_source));
  }
  assert.deepEqual(Object.fromEntries([...seen].sort()), {
    "kimi-vl-a3b-instruct": "none",
    "kimi-vl-a3b-thinking": "kimi_think_tags",
    "llama-3.2-11b-vision": "none",
    "llamav-o1-11b": "dialogue_turns",
    "llava-cot-11b": "structured_tags",
    "mm-eureka-qwen-7b": "think_answer_tags",
    "mulberry-7b": "final_answer_marker",
    "openvlthinker-7b": "think_answer_tags",
    "qvq-72b-preview": "final_answer_heading_heuristic",
    "qwen2-vl-72b": "none",
    "qwen2-vl-7b": "none",
    "qwen2.5-vl-7b": "none",
    "r1-onevision-7b": "think_answer_tags",
    "vl-rethinker-7b": "none",
  });
  // Judged as usual: the bases' and VL-Rethinker's whole outputs as answers, no thinking verdicts for them.
  const judged = await Database.open();
  const targets = await judged
    .rows(`SELECT model_id, list(DISTINCT target ORDER BY target) AS targets FROM read_parquet('${join(dir, "out", "judgments.parquet")}') WHERE judge_id = 'llm-judge' GROUP BY model_id ORDER BY model_id`)
    .finally(() => judged.close());
  assert.equal(targets.length, 14);
  for (const { model_id, targets: list } of targets) {
    const separable = experiment.models.find((m) => m.id === model_id)!.profile.separation.kind !== "none";
    assert.deepEqual(list, separable ? ["answer", "thinking"] : ["answer"], String(model_id));
  }
});
