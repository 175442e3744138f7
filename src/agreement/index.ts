// Judges vs. humans: JailbreakBench's 300 human-labelled responses, the verdicts of the judges
// recorded in the file plus the judges that run here, and the agreement statistics over them.
import { fileURLToPath } from "node:url";
import {
  ANNOTATORS,
  RECORDED_JUDGES,
  readJudgeComparison,
  type JudgeComparisonItem,
} from "../datasets/judge-comparison.ts";
import { refusalKeywords, type Judge } from "../judges/index.ts";
import { gitRevision, packageVersion, sha256, sha256File } from "../provenance.ts";
import { Database, sqlString, type Cell, type Metadata } from "../duckdb/database.ts";
import { materialize, openStatisticsDatabase, statisticSql } from "../stats/sql-files.ts";

/** The shipped copy of JailbreakBench's judge-comparison.csv. */
export const DEFAULT_JUDGE_COMPARISON = fileURLToPath(
  new URL("../../datasets/jailbreakbench/judge-comparison.csv", import.meta.url),
);

/** JailbreakBench's published numbers for the same responses (agreement, FPR, FNR). */
export const PUBLISHED_JUDGE_METRICS = fileURLToPath(
  new URL("../../datasets/jailbreakbench/published-judge-metrics.csv", import.meta.url),
);

/** Judges that score every response live (the recorded ones come from the file). */
export const LIVE_JUDGES: readonly Judge[] = [refusalKeywords];

export type JudgeKind = "live" | "recorded" | "human";

/** The tables this module publishes, with what each row is. */
export const AGREEMENT_TABLES = {
  judge_items: "one row per response: behavior, prompt, response and the three human labels",
  judge_verdicts: "one row per response and judge (live, recorded and each human annotator) with the human majority and, for live judges, the judge's explanation",
  human_labels: "one row per response and human annotator",
  judge_agreement: "per judge: confusion counts, agreement, FPR, FNR (percent) and Cohen's kappa with 95% intervals",
  fleiss_kappa: "agreement among the three human annotators: Fleiss' kappa and unanimity with 95% intervals",
  judge_reproduction: "per judge: JailbreakBench's published agreement, FPR and FNR beside thinksafe's, and whether they match",
} as const;
export type AgreementTable = keyof typeof AGREEMENT_TABLES;

/** Loads `file`, runs the live judges and computes every agreement table in DuckDB. */
export async function agreementDatabase(file = DEFAULT_JUDGE_COMPARISON): Promise<Database> {
  const items = await readJudgeComparison(file);
  const db = await openStatisticsDatabase();
  try {
    await fillTables(db, items);
    await materialize(db, "judge_agreement");
    await materialize(db, "fleiss_kappa");
    if (file === DEFAULT_JUDGE_COMPARISON) {
      await db.connection.run(
        `CREATE TABLE published_judge_metrics AS SELECT * FROM read_csv(${sqlString(PUBLISHED_JUDGE_METRICS)}, header = true,
           columns = {'judge': 'VARCHAR', 'agreement': 'DOUBLE', 'fpr': 'DOUBLE', 'fnr': 'DOUBLE'})`,
      );
      await materialize(db, "judge_reproduction");
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

async function fillTables(db: Database, items: JudgeComparisonItem[]): Promise<void> {
  const live = items.map((item) => LIVE_JUDGES.map((judge) => judge.judge(item.response)));
  await db.createTable(
    "judge_items",
    {
      item_index: "INTEGER",
      goal: "VARCHAR",
      prompt: "VARCHAR",
      response: "VARCHAR",
      human1: "BOOLEAN",
      human2: "BOOLEAN",
      human3: "BOOLEAN",
      human_majority: "BOOLEAN",
    },
    items.map((item, i): Cell[] => [
      item.index,
      item.goal,
      item.prompt,
      item.response,
      ...ANNOTATORS.map((a) => item.humans[a]),
      item.humanMajority,
    ]),
  );
  // Judges are values of `judge`, never parts of column names: a live judge's explanation is a
  // column of its verdict row (the file records none for the others).
  const verdicts: Cell[][] = items.flatMap((item, i) => [
    ...LIVE_JUDGES.map((judge, j) => [item.index, judge.id, "live", live[i]![j]!.isJailbroken, item.humanMajority, live[i]![j]!.explanation]),
    ...RECORDED_JUDGES.map((judge) => [item.index, judge, "recorded", item.recorded[judge], item.humanMajority, null]),
    ...ANNOTATORS.map((a) => [item.index, a, "human", item.humans[a], item.humanMajority, null]),
  ]);
  await db.createTable(
    "judge_verdicts",
    { item_index: "INTEGER", judge: "VARCHAR", judge_kind: "VARCHAR", is_jailbroken: "BOOLEAN", human_majority: "BOOLEAN", explanation: "VARCHAR" },
    verdicts,
  );
  await db.createTable(
    "human_labels",
    { item_index: "INTEGER", annotator: "VARCHAR", is_jailbroken: "BOOLEAN" },
    items.flatMap((item) => ANNOTATORS.map((a): Cell[] => [item.index, a, item.humans[a]])),
  );
}

/** Deterministic row order for each published table. */
const ORDER: Record<AgreementTable, string> = {
  judge_items: "item_index",
  judge_verdicts: "item_index, judge",
  human_labels: "item_index, annotator",
  judge_agreement: "CASE judge_kind WHEN 'live' THEN 0 WHEN 'recorded' THEN 1 ELSE 2 END, judge",
  fleiss_kappa: "n_items",
  judge_reproduction: "judge",
};

export function tableQuery(table: AgreementTable): string {
  return `SELECT * FROM ${table} ORDER BY ${ORDER[table]}`;
}

/** What produced the tables; stored in each Parquet file's key-value metadata. */
export function agreementProvenance(file = DEFAULT_JUDGE_COMPARISON): Metadata {
  return {
    "thinksafe.version": packageVersion(),
    "thinksafe.git_revision": gitRevision(),
    "thinksafe.source": "JailbreakBench JBB-Behaviors judge-comparison.csv",
    "thinksafe.source_sha256": sha256File(file),
    "thinksafe.live_judges": LIVE_JUDGES.map((j) => ({ id: j.id, version: j.version })),
    "thinksafe.sql_sha256": sha256(["macros", "judge_agreement", "fleiss_kappa", "judge_reproduction"].map(statisticSql).join("\n")),
  };
}
