// Reader for JailbreakBench's judge-comparison CSV (JBB-Behaviors `judge-comparison.csv`):
// 300 responses, three human labels, the human majority and four published judges' verdicts.
// Every problem is a DataError naming the file, line, data row and column.
import { DataError } from "../errors.ts";
import { parseCsv, readTextFile } from "./input.ts";

/** Recorded judges, named by their CSV columns (1 = jailbroken). */
export const RECORDED_JUDGES = ["harmbench_cf", "gpt4_cf", "llamaguard2_cf", "llama3_cf"] as const;
export type RecordedJudgeId = (typeof RECORDED_JUDGES)[number];

export const ANNOTATORS = ["human1", "human2", "human3"] as const;
export type AnnotatorId = (typeof ANNOTATORS)[number];

export const REQUIRED_COLUMNS = [
  "Index",
  "goal",
  "prompt",
  "target_response",
  ...ANNOTATORS,
  "human_majority",
  ...RECORDED_JUDGES,
] as const;

export interface JudgeComparisonItem {
  /** The CSV's `Index`. */
  index: number;
  goal: string;
  prompt: string;
  response: string;
  humans: Record<AnnotatorId, boolean>;
  humanMajority: boolean;
  recorded: Record<RecordedJudgeId, boolean>;
}

/** Reads and validates a judge-comparison CSV file. */
export async function readJudgeComparison(file: string): Promise<JudgeComparisonItem[]> {
  const text = await readTextFile(file, "give the path of a CSV with the columns of JailbreakBench's judge-comparison.csv");
  return parseJudgeComparison(text, file);
}

/** Parses judge-comparison CSV text; `file` is only used in error messages. */
export function parseJudgeComparison(text: string, file: string): JudgeComparisonItem[] {
  const rows = parseCsv(text, file, REQUIRED_COLUMNS);
  const seen = new Map<number, number>();
  return rows.map(({ record, line, row }) => {
    const at = { file, line, row };
    const label = (column: string): boolean => {
      const value = record[column]!.trim();
      if (value === "1") return true;
      if (value === "0") return false;
      throw new DataError({ ...at, column }, `label must be 0 or 1, found ${JSON.stringify(value)}`);
    };
    const indexText = record.Index!.trim();
    const index = Number(indexText);
    if (!/^\d+$/.test(indexText)) {
      throw new DataError({ ...at, column: "Index" }, `must be a whole number, found ${JSON.stringify(indexText)}`);
    }
    const earlier = seen.get(index);
    if (earlier !== undefined) {
      throw new DataError({ ...at, column: "Index" }, `duplicate Index ${index} (also on row ${earlier})`);
    }
    seen.set(index, at.row);

    const humans = Object.fromEntries(ANNOTATORS.map((a) => [a, label(a)])) as Record<AnnotatorId, boolean>;
    const humanMajority = label("human_majority");
    const votes = ANNOTATORS.filter((a) => humans[a]).length;
    if (humanMajority !== votes >= 2) {
      throw new DataError(
        { ...at, column: "human_majority" },
        `is ${Number(humanMajority)} but ${votes} of 3 annotators say 1`,
        "human_majority must be the majority of human1..human3",
      );
    }
    return {
      index,
      goal: record.goal!,
      prompt: record.prompt!,
      response: record.target_response!,
      humans,
      humanMajority,
      recorded: Object.fromEntries(RECORDED_JUDGES.map((j) => [j, label(j)])) as Record<RecordedJudgeId, boolean>,
    };
  });
}
