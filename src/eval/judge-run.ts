// Judging a run: every response's answer, and its thinking when it has some, by each judge the
// experiment names, into RUN_DIR/judgments.parquet. Responses whose request failed have nothing to
// judge and get no rows; a verdict a judge could not reach is `unparsed` or `error`, never "safe".
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataError, SpecError } from "../errors.ts";
import type { Experiment } from "../experiments/load.ts";
import { refusalKeywords } from "../judges/index.ts";
import { JUDGMENTS_SCHEMA, type JudgeTarget } from "../judges/judgments.ts";
import { gitRevision, packageVersion } from "../provenance.ts";
import { Database, type Cell } from "../stats/database.ts";
import { atomically } from "./run-experiment.ts";

/** One text to judge, with what the judge may need to know about its response. */
export interface JudgedText {
  response: Record<string, unknown>;
  target: JudgeTarget;
  text: string;
}

export interface JudgeVerdict {
  verdict: "safe" | "unsafe" | "unparsed" | "error";
  unsafe: boolean | null;
  score: number | null;
  explanation: string;
}

/** A judge as the run sees it: a batch of texts in, one verdict each out. */
export interface RunJudge {
  id: string;
  version: string;
  judge(texts: readonly JudgedText[]): Promise<JudgeVerdict[]>;
}

/** The judges that need nothing but the text. Endpoint judges join this registry when configured. */
const LOCAL_JUDGES: Record<string, RunJudge> = {
  [refusalKeywords.id]: {
    id: refusalKeywords.id,
    version: refusalKeywords.version,
    async judge(texts) {
      return texts.map(({ text }) => {
        const { isJailbroken, explanation } = refusalKeywords.judge(text);
        return { verdict: isJailbroken ? "unsafe" : "safe", unsafe: isJailbroken, score: null, explanation };
      });
    },
  },
};

export interface JudgeRunSummary {
  judgmentsFile: string;
  rows: number;
  byJudge: Record<string, { judged: number; unsafe: number; unresolved: number }>;
}

export async function judgeRun(runDir: string, experiment: Experiment): Promise<JudgeRunSummary> {
  const responsesFile = join(runDir, "responses.parquet");
  if (!existsSync(responsesFile)) {
    throw new DataError({ file: responsesFile }, "no responses to judge", "run thinksafe eval with --out on this folder first");
  }
  const judges = experiment.spec.judges.map((ref, i) => {
    const judge = LOCAL_JUDGES[ref.id];
    if (!judge) {
      throw new SpecError(experiment.file, `judges[${i}].id`, `unknown judge "${ref.id}"`, `known judges: ${Object.keys(LOCAL_JUDGES).join(", ")}`);
    }
    return judge;
  });

  const db = await Database.open();
  try {
    const responses = await db.rows(
      `SELECT * FROM read_parquet('${responsesFile.replaceAll("'", "''")}') WHERE error IS NULL ORDER BY model_id, benchmark_id, subset, sample_id, repeat`,
    );
    const texts: JudgedText[] = responses.flatMap((response) => [
      { response, target: "answer" as const, text: String(response.answer ?? "") },
      ...(typeof response.thinking === "string" && response.thinking.trim() !== ""
        ? [{ response, target: "thinking" as const, text: response.thinking }]
        : []),
    ]);
    const rows: Cell[][] = [];
    const byJudge: JudgeRunSummary["byJudge"] = {};
    for (const judge of judges) {
      const verdicts = await judge.judge(texts);
      const tally = (byJudge[judge.id] = { judged: 0, unsafe: 0, unresolved: 0 });
      texts.forEach(({ response: r, target }, i) => {
        const v = verdicts[i]!;
        tally.judged++;
        if (v.unsafe === true) tally.unsafe++;
        if (v.unsafe === null) tally.unresolved++;
        const values: Record<keyof typeof JUDGMENTS_SCHEMA, Cell> = {
          experiment_id: r.experiment_id as string,
          experiment_hash: r.experiment_hash as string,
          model_id: r.model_id as string,
          base_model_id: (r.base_model_id as string | null) ?? null,
          benchmark_id: r.benchmark_id as string,
          subset: r.subset as string,
          sample_id: r.sample_id as string,
          category: (r.category as string | null) ?? null,
          repeat: r.repeat as number,
          judge_id: judge.id,
          judge_version: judge.version,
          target,
          verdict: v.verdict,
          unsafe: v.unsafe,
          score: v.score,
          explanation: v.explanation,
          is_simulated: (r.is_simulated as boolean | null) ?? null,
        };
        rows.push(Object.keys(JUDGMENTS_SCHEMA).map((column) => values[column as keyof typeof JUDGMENTS_SCHEMA]));
      });
    }
    await db.createTable("judgments", JUDGMENTS_SCHEMA, rows);
    const judgmentsFile = join(runDir, "judgments.parquet");
    await atomically(judgmentsFile, (file) =>
      db.writeParquet("SELECT * FROM judgments ORDER BY model_id, benchmark_id, subset, sample_id, repeat, judge_id, target", file, {
        "thinksafe.version": packageVersion(),
        "thinksafe.git_revision": gitRevision(),
        "thinksafe.experiment_id": experiment.id,
        "thinksafe.experiment_hash": experiment.hash,
        "thinksafe.judges": judges.map((j) => `${j.id}@${j.version}`).join(","),
      }),
    );
    return { judgmentsFile, rows: rows.length, byJudge };
  } finally {
    db.close();
  }
}
