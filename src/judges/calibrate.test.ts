import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { agreementDatabase } from "../agreement/index.ts";
import { main } from "../cli/main.ts";
import { readHarmBenchMultimodal } from "../datasets/harmbench-multimodal.ts";
import { REQUIRED_COLUMNS } from "../datasets/judge-comparison.ts";
import { DataError } from "../errors.ts";
import { judgeRun, runJudge } from "../eval/judge-run.ts";
import { runExperiment } from "../eval/run-experiment.ts";
import { parseExperiment } from "../experiments/load.ts";
import { sha256File } from "../provenance.ts";
import { ResponseCache } from "../runner/cache.ts";
import { startSimulator } from "../simulator/index.ts";
import { Database } from "../duckdb/database.ts";
import { rejectsWith, tempDir } from "../test-support.ts";
import {
  calibrationDatabase,
  HARMBENCH_MULTIMODAL_SET,
  JAILBREAKBENCH_SET,
  readHumanSets,
  type CalibratedJudge,
  type LoadedHumanSet,
} from "./calibrate.ts";
import { refusalKeywords } from "./index.ts";

const STATISTICS = [
  "n", "tp", "fp", "tn", "fn",
  "agreement", "agreement_ci_low", "agreement_ci_high",
  "fpr", "fpr_ci_low", "fpr_ci_high",
  "fnr", "fnr_ci_low", "fnr_ci_high",
  "kappa", "kappa_ci_low", "kappa_ci_high",
] as const;

const experimentYaml = (judges: string) => `id: calibrated
models:
  - {id: base, model: sim/qwen2.5-vl-7b-instruct, simulated: true}
benchmarks: [{id: figstep, subset: tiny, limit: 2}]
judges: ${judges}
`;

/** The judges an experiment's `judges:` list names, built as `thinksafe judge` builds them. */
async function judgesOf(t: TestContext, judges: string, simulatorUrl?: string): Promise<CalibratedJudge[]> {
  const dir = await tempDir(t);
  const experiment = parseExperiment(experimentYaml(judges), join(dir, "x.yaml"));
  const cache = new ResponseCache(join(dir, "cache"));
  t.after(() => cache.close());
  return experiment.spec.judges.map((ref, i) => runJudge(ref, i, experiment, { cacheDir: join(dir, "cache"), cache, ...(simulatorUrl && { simulatorUrl }) }));
}

async function calibrated(judges: readonly CalibratedJudge[], sets: readonly LoadedHumanSet[]) {
  const db = await calibrationDatabase(judges, sets);
  try {
    return {
      table: await db.rows("SELECT * FROM judge_calibration ORDER BY judge_id, human_set_id"),
      verdicts: await db.rows("SELECT * FROM calibration_verdicts"),
    };
  } finally {
    db.close();
  }
}

/** Agreement, FPR, FNR (percent) and Cohen's kappa from plain verdicts, independently of the SQL. */
function recompute(verdicts: ReadonlyArray<{ unsafe: boolean | null; human: boolean }>) {
  const decided = verdicts.filter((v) => v.unsafe !== null);
  const count = (judge: boolean, human: boolean) => decided.filter((v) => v.unsafe === judge && v.human === human).length;
  const [tp, fp, tn, fn, n] = [count(true, true), count(true, false), count(false, false), count(false, true), decided.length];
  const observed = (tp + tn) / n;
  const chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n);
  return { n, tp, fp, tn, fn, agreement: (100 * (tp + tn)) / n, fpr: (100 * fp) / (fp + tn), fnr: (100 * fn) / (fn + tp), kappa: (observed - chance) / (1 - chance) };
}

function assertClose(actual: unknown, expected: number, what: string) {
  assert.equal(typeof actual, "number", what);
  assert.ok(Math.abs((actual as number) - expected) < 1e-9, `${what}: ${String(actual)} ≠ ${expected}`);
}

describe("judge calibration statistics (src/stats/judge_calibration.sql)", () => {
  test("hand-computed counts, rates, Wilson intervals and kappa; unresolved verdicts counted apart, not in the rates", async () => {
    // Human majority and a scripted judge's verdict per item: 3 TP, 1 FP, 4 TN, 2 FN and one unparsed.
    const script: Array<[boolean, boolean | null]> = [
      [true, true], [true, true], [true, true], [false, true],
      [false, false], [false, false], [false, false], [false, false],
      [true, false], [true, false], [true, null],
    ];
    const set: LoadedHumanSet = {
      id: "hand",
      sha256: "0",
      items: script.map(([human], i) => ({ itemId: String(i), prompt: "p", response: `r${i}`, context: {}, humanMajority: human })),
    };
    const scripted = (id: string, verdicts: readonly (boolean | null)[]): CalibratedJudge => ({
      id,
      version: `${id}-v1`,
      judge: async (texts) =>
        texts.map((_, i) => ({ verdict: verdicts[i] === null ? "unparsed" : verdicts[i] ? "unsafe" : "safe", unsafe: verdicts[i]!, simulated: id === "sim" && i === 0 })),
    });
    const { table } = await calibrated([scripted("sim", script.map(([, v]) => v)), scripted("mute", script.map(() => null))], [set]);
    const [mute, sim] = table;
    assert.deepEqual(
      [sim!.human_set_id, sim!.judge_id, sim!.judge_version, sim!.is_simulated, sim!.n_items, sim!.n_unresolved, sim!.n, sim!.tp, sim!.fp, sim!.tn, sim!.fn],
      ["hand", "sim", "sim-v1", true, 11, 1, 10, 3, 1, 4, 2],
    );
    // 7/10 agree, FPR 1/5, FNR 2/5; kappa = (0.7 - 0.5) / (1 - 0.5); Wilson 95% computed by hand with z = 1.959964.
    for (const [column, expected] of [
      ["agreement", 70], ["fpr", 20], ["fnr", 40], ["kappa", 0.4],
      ["agreement_ci_low", 39.677814746], ["agreement_ci_high", 89.220873259],
      ["fpr_ci_low", 3.622410863], ["fpr_ci_high", 62.446537024],
      ["fnr_ci_low", 11.762077423], ["fnr_ci_high", 76.927571872],
    ] as const) {
      assert.ok(Math.abs((sim![column] as number) - expected) < 1e-6, `${column} ${String(sim![column])}`);
    }
    assert.ok((sim!.kappa_ci_low as number) < 0.4 && (sim!.kappa_ci_high as number) > 0.4);
    // A judge that never decided: every item unresolved, no rate, no kappa.
    assert.deepEqual(
      [mute!.n_items, mute!.n_unresolved, mute!.n, mute!.agreement, mute!.fpr, mute!.fnr, mute!.kappa, mute!.is_simulated],
      [11, 11, 0, null, null, null, null, false],
    );
  });
});

describe("calibrating judges on the human-labelled sets", () => {
  test("refusal-keywords on JailbreakBench's set gives exactly the judge_agreement table's numbers for it", async (t) => {
    const sets = await readHumanSets([JAILBREAKBENCH_SET]);
    const { table } = await calibrated(await judgesOf(t, "[{id: refusal-keywords}]"), sets);
    const agreement = await agreementDatabase();
    let reference: Record<string, unknown>;
    try {
      [reference] = (await agreement.rows("SELECT * FROM judge_agreement WHERE judge = 'refusal-keywords'")) as [Record<string, unknown>];
    } finally {
      agreement.close();
    }
    assert.equal(table.length, 1);
    const [row] = table;
    assert.deepEqual(
      Object.fromEntries(STATISTICS.map((c) => [c, row![c]])),
      Object.fromEntries(STATISTICS.map((c) => [c, reference[c]])),
    );
    assert.equal(row!.n, 300);
    assert.deepEqual([row!.judge_version, row!.is_simulated, row!.n_unresolved], [refusalKeywords.version, false, 0]);
  });

  test("refusal-keywords on HarmBench's multimodal set matches HarmBench's own recorded keyword verdicts against the human majority", async (t) => {
    const sets = await readHumanSets([HARMBENCH_MULTIMODAL_SET]);
    const { table, verdicts } = await calibrated(await judgesOf(t, "[{id: refusal-keywords}]"), sets);
    // The recorded `advbench_label` is a keyword matcher too: on these 220 generations it says what GCG's list says.
    const items = await readHarmBenchMultimodal();
    const byItem = new Map(verdicts.map((v) => [v.item_id, v.unsafe]));
    assert.deepEqual(items.map((i) => byItem.get(`${i.behaviorId}/${i.index}`)), items.map((i) => i.recorded.advbench_label));
    const expected = recompute(items.map((i) => ({ unsafe: i.recorded.advbench_label, human: i.humanMajority })));
    const [row] = table;
    assert.deepEqual([row!.human_set_id, row!.n, row!.tp, row!.fp, row!.tn, row!.fn], ["harmbench-multimodal", 220, expected.tp, expected.fp, expected.tn, expected.fn]);
    for (const column of ["agreement", "fpr", "fnr", "kappa"] as const) assertClose(row![column], expected[column], column);
  });

  test("the simulated LLM judge and Llama Guard calibrate through the simulator over HTTP; a second calibration asks nothing", async (t) => {
    const sim = await startSimulator(parseExperiment(experimentYaml("[]"), "x.yaml").simulator!, { port: 0 });
    t.after(() => sim.close());
    const judges = await judgesOf(t, "[{id: llm-judge, model: sim/judge, simulated: true}, {id: llama-guard, model: sim/llama-guard-3, simulated: true}]", sim.url);
    const sets = await readHumanSets([JAILBREAKBENCH_SET]);
    const first = await calibrated(judges, sets);
    const asked = sim.stats().requests;
    assert.equal(asked, 600, "300 responses × 2 judges");

    const responses = new Map(sets[0]!.items.map((item) => [item.itemId, item]));
    for (const row of first.table) {
      const judge = judges.find((j) => j.id === row.judge_id)!;
      assert.deepEqual([row.judge_version, row.is_simulated, row.n_items, row.n_unresolved, row.n], [judge.version, true, 300, 0, 300]);
      const mine = first.verdicts.filter((v) => v.judge_id === row.judge_id);
      // The simulated judges call a response safe when it holds a refusal cue (GCG's list or "decline").
      for (const v of mine) {
        const text = responses.get(v.item_id as string)!.response;
        assert.equal(v.unsafe, refusalKeywords.judge(text).isJailbroken && !/decline/i.test(text), `${row.judge_id} on item ${String(v.item_id)}`);
      }
      const expected = recompute(mine.map((v) => ({ unsafe: v.unsafe as boolean | null, human: v.human_majority as boolean })));
      assert.deepEqual([row.tp, row.fp, row.tn, row.fn], [expected.tp, expected.fp, expected.tn, expected.fn]);
      for (const column of ["agreement", "fpr", "fnr", "kappa"] as const) assertClose(row[column], expected[column], `${String(row.judge_id)} ${column}`);
    }
    assert.match(String(first.table.find((r) => r.judge_id === "llm-judge")!.judge_version), /^llm-judge@rubrics-[0-9a-f]{12}\+context-1\+verdict-parser-1\+sim\/judge$/);

    const again = await calibrated(judges, sets);
    assert.equal(sim.stats().requests, asked, "every reply came from the cache");
    assert.deepEqual(again, first);
  });

  test("a missing or malformed set file is a DataError naming the file, before any judge is asked", async (t) => {
    await rejectsWith(readHumanSets([{ ...HARMBENCH_MULTIMODAL_SET, file: "/nonexistent/val.jsonl" }]), DataError, "/nonexistent/val.jsonl: file not found");
    const bad = join(await tempDir(t), "judge-comparison.csv");
    await writeFile(bad, `${REQUIRED_COLUMNS.join(",")}\n1,goal,prompt,response,1,1,1,maybe,1,1,1,1\n`);
    await rejectsWith(readHumanSets([{ ...JAILBREAKBENCH_SET, file: bad }]), DataError, bad, "line 2", 'column "human_majority"', 'found "maybe"');
  });
});

describe("thinksafe judge and eval write judge_calibration.parquet", () => {
  async function tableOf(file: string) {
    const db = await Database.open();
    try {
      return await db.rows(`SELECT * FROM read_parquet('${file}')`);
    } finally {
      db.close();
    }
  }

  test("beside judgments.parquet, in the manifest, with the same bytes when judged again; --no-calibrate skips it; a bad set stops judging", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "calibrated.yaml");
    await writeFile(file, experimentYaml("[{id: refusal-keywords}]"));
    const experiment = parseExperiment(experimentYaml("[{id: refusal-keywords}]"), file);
    const run = join(dir, "run");
    await runExperiment(experiment, { outDir: run, cacheDir: join(dir, "cache"), log: () => {} });
    const calibration = join(run, "judge_calibration.parquet");
    const rows = await tableOf(calibration);
    assert.deepEqual(
      rows.map((r) => [r.experiment_id, r.judge_id, r.judge_version, r.human_set_id, r.n, r.is_simulated]),
      [
        ["calibrated", "refusal-keywords", "gcg-prefixes-1", "harmbench-multimodal", 220, false],
        ["calibrated", "refusal-keywords", "gcg-prefixes-1", "jailbreakbench", 300, false],
      ],
    );
    const manifest = JSON.parse(await readFile(join(run, "manifest.json"), "utf8"));
    const recorded = manifest.outputs["judge_calibration.parquet"];
    assert.deepEqual([recorded.rows, recorded.sha256, Object.keys(recorded.human_sets)], [2, sha256File(calibration), ["jailbreakbench", "harmbench-multimodal"]]);
    assert.equal(recorded.human_sets.jailbreakbench.sha256, sha256File(JAILBREAKBENCH_SET.file));

    const bytes = await readFile(calibration);
    const err: string[] = [];
    const io = { out: () => {}, err: (line: string) => err.push(line) };
    assert.equal(await main(["node", "thinksafe", "judge", run], io), 0, err.join("\n"));
    assert.deepEqual(await readFile(calibration), bytes, "deterministic bytes");
    assert.match(err.join("\n"), /agreement with human labels: refusal-keywords \d+\.\d% on harmbench-multimodal \(n=220\), \d+\.\d% on jailbreakbench \(n=300\)/);

    await rm(calibration);
    assert.equal(await main(["node", "thinksafe", "judge", run, "--no-calibrate"], io), 0, err.join("\n"));
    assert.ok(!existsSync(calibration), "--no-calibrate writes no calibration");

    await rm(join(run, "judgments.parquet"));
    const badSets = [{ ...HARMBENCH_MULTIMODAL_SET, file: join(dir, "missing.jsonl") }];
    await rejectsWith(judgeRun(run, experiment, { cacheDir: join(dir, "cache"), humanSets: badSets }), DataError, "missing.jsonl: file not found");
    assert.ok(!existsSync(join(run, "judgments.parquet")), "nothing was judged");
  });
});
