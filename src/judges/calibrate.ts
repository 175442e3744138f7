// Calibration: each judge an experiment uses, measured on human-labelled responses, so its agreement
// with people can be shown beside the results it produces. The judges run exactly as when judging a
// run (endpoint judges through the runner and the response cache, so calibration is cached and
// resumable); the statistics are src/stats/judge_calibration.sql. Two human sets ship: JailbreakBench's
// 300 labelled responses (text) and HarmBench's 220 multimodal generations (the image is not shipped,
// so not sent). Each item gets the same judge context a study sample does, from its set: the
// behaviour or goal as the request (JailbreakBench's `goal` beside the jailbreak prompt that was
// sent; HarmBench's behaviour string) and HarmBench's description of the image where there is one,
// so calibration and study are the same task.
import type { JudgeContext } from "../benchmarks/sample.ts";
import { readJudgeComparison } from "../datasets/judge-comparison.ts";
import { judgeContextCell } from "./context.ts";
import { DEFAULT_HARMBENCH_MULTIMODAL, readHarmBenchMultimodal } from "../datasets/harmbench-multimodal.ts";
import { DEFAULT_JUDGE_COMPARISON } from "../agreement/index.ts";
import { sha256, sha256File } from "../provenance.ts";
import { Database, sqlString, type Cell, type Metadata } from "../duckdb/database.ts";
import { materialize, openStatisticsDatabase, statisticSql } from "../stats/sql-files.ts";

/** One human-labelled response, as a judge sees it. */
export interface HumanLabelledItem {
  itemId: string;
  /** The text the evaluated model was sent (for HarmBench, with an image that is not shipped). */
  prompt: string;
  /** The judged text: the model's response. */
  response: string;
  /** What the judge is told beyond the prompt, from the set's own fields (as a study sample's judge context). */
  context: JudgeContext;
  /** The human majority: the response is unsafe (jailbroken, harmful). */
  humanMajority: boolean;
}

export interface HumanSet {
  /** The set's id in the table; also the benchmark id judges are given (it picks the rubric). */
  id: string;
  file: string;
  read(file: string): Promise<HumanLabelledItem[]>;
}

export const JAILBREAKBENCH_SET: HumanSet = {
  id: "jailbreakbench",
  file: DEFAULT_JUDGE_COMPARISON,
  read: async (file) =>
    (await readJudgeComparison(file)).map((item) => ({
      itemId: String(item.index),
      // The prompt as sent (the jailbreak), as judges see a run's prompts; `goal` is the bare behavior.
      prompt: item.prompt,
      response: item.response,
      context: { request: item.goal },
      humanMajority: item.humanMajority,
    })),
};

export const HARMBENCH_MULTIMODAL_SET: HumanSet = {
  id: "harmbench-multimodal",
  file: DEFAULT_HARMBENCH_MULTIMODAL,
  read: async (file) =>
    (await readHarmBenchMultimodal(file)).map((item) => ({
      itemId: `${item.behaviorId}/${item.index}`,
      prompt: item.instruction,
      response: item.generation,
      // HarmBench's multimodal behaviour is its instruction; its classifier gets the image description as context.
      context: { request: item.instruction, ...(item.imageDescription !== null && { imageDescription: item.imageDescription }) },
      humanMajority: item.humanMajority,
    })),
};

/** The human-labelled sets every calibration uses by default. */
export const HUMAN_SETS: readonly HumanSet[] = [JAILBREAKBENCH_SET, HARMBENCH_MULTIMODAL_SET];

export interface LoadedHumanSet {
  id: string;
  sha256: string;
  items: HumanLabelledItem[];
}

/** Reads every set (a DataError names a missing or malformed file before any judge is asked). */
export async function readHumanSets(sets: readonly HumanSet[] = HUMAN_SETS): Promise<LoadedHumanSet[]> {
  return Promise.all(sets.map(async (set) => ({ id: set.id, items: await set.read(set.file), sha256: sha256File(set.file) })));
}

/** What calibration needs of a judge: judge-run's RunJudge, restated so judges/ does not import eval/. */
export interface CalibratedJudge {
  id: string;
  version: string;
  judge(texts: readonly { response: Record<string, unknown>; target: "answer"; text: string }[]): Promise<
    readonly { verdict: string; unsafe: boolean | null; simulated?: boolean }[]
  >;
}

const VERDICTS_SCHEMA = {
  human_set_id: "VARCHAR",
  item_id: "VARCHAR",
  judge_id: "VARCHAR",
  judge_version: "VARCHAR",
  is_simulated: "BOOLEAN",
  verdict: "VARCHAR",
  unsafe: "BOOLEAN",
  human_majority: "BOOLEAN",
} as const;

/**
 * Runs every judge on every item of the sets (one batch per judge) and computes judge_calibration.
 * The database also holds calibration_verdicts, one row per set, item and judge; the caller closes it.
 */
export async function calibrationDatabase(judges: readonly CalibratedJudge[], sets: readonly LoadedHumanSet[]): Promise<Database> {
  const items = sets.flatMap((set) => set.items.map((item) => ({ set: set.id, item })));
  // Shaped like a row of responses.parquet, which is what judges read.
  const texts = items.map(({ set, item }) => ({
    response: { benchmark_id: set, sample_id: item.itemId, prompt: item.prompt, category: null, judge_context: judgeContextCell({ judgeContext: item.context }) },
    target: "answer" as const,
    text: item.response,
  }));
  const rows: Cell[][] = [];
  for (const judge of judges) {
    const verdicts = await judge.judge(texts);
    items.forEach(({ set, item }, i) => {
      const v = verdicts[i]!;
      rows.push([set, item.itemId, judge.id, judge.version, v.simulated === true, v.verdict, v.unsafe, item.humanMajority]);
    });
  }
  const db = await openStatisticsDatabase();
  try {
    await db.createTable("calibration_verdicts", VERDICTS_SCHEMA, rows);
    await materialize(db, "judge_calibration");
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The published table: judge_calibration led by the experiment whose judges were measured. */
export function calibrationQuery(experimentId: string): string {
  return `SELECT ${sqlString(experimentId)} AS experiment_id, * FROM judge_calibration ORDER BY judge_id, judge_version, human_set_id`;
}

/** What produced the table, for its Parquet key-value metadata. */
export function calibrationProvenance(judges: readonly CalibratedJudge[], sets: readonly LoadedHumanSet[]): Metadata {
  return {
    "thinksafe.judges": judges.map((j) => ({ id: j.id, version: j.version })),
    "thinksafe.human_sets": sets.map((s) => ({ id: s.id, sha256: s.sha256 })),
    "thinksafe.sql_sha256": sha256(["macros", "judge_calibration"].map(statisticSql).join("\n")),
  };
}
