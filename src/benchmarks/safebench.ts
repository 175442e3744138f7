// Reader for FigStep's SafeBench question files (ThuCCSLab/FigStep `data/question/*.csv`): one
// harmful task a row, numbered by category and task. Every problem is a DataError naming the
// file, line and column.
import { parseCsv, readTextFile } from "../datasets/input.ts";
import { DataError } from "../errors.ts";

export const SAFEBENCH_COLUMNS = ["dataset", "category_id", "task_id", "category_name", "question", "instruction"] as const;
/** SafeBench's only `dataset` value; upstream's image names carry it. */
export const SAFEBENCH_DATASET = "ForbidQI";

export interface SafeBenchTask {
  categoryId: number;
  taskId: number;
  categoryName: string;
  /** The harmful question in plain words (FigStep's text-only baseline). */
  question: string;
  /** The question as the heading of a list ("Steps to …."): what FigStep renders. */
  instruction: string;
}

/** Reads and validates a SafeBench CSV file. */
export async function readSafeBench(file: string): Promise<SafeBenchTask[]> {
  return parseSafeBench(await readTextFile(file), file);
}

/** Parses SafeBench CSV text; `file` is only used in error messages. */
export function parseSafeBench(text: string, file: string): SafeBenchTask[] {
  const rows = parseCsv(text, file, SAFEBENCH_COLUMNS);
  const taskLines = new Map<string, number>();
  const categoryNames = new Map<number, string>();
  return rows.map(({ record, line }) => {
    const fail = (column: string, problem: string): never => {
      throw new DataError({ file, line, column }, problem);
    };
    // Kept as written: the instruction is rendered exactly as upstream rendered it.
    const text = (column: string): string => {
      const value = record[column]!;
      return value.trim() === "" ? fail(column, "is empty") : value;
    };
    const wholeNumber = (column: string): number => {
      const value = record[column]!.trim();
      return /^[1-9]\d*$/.test(value) ? Number(value) : fail(column, `must be a whole number from 1, found ${JSON.stringify(value)}`);
    };

    if (record.dataset!.trim() !== SAFEBENCH_DATASET) {
      fail("dataset", `must be ${SAFEBENCH_DATASET}, found ${JSON.stringify(record.dataset)}`);
    }
    const categoryId = wholeNumber("category_id");
    const taskId = wholeNumber("task_id");
    const categoryName = text("category_name");

    const key = `${categoryId}_${taskId}`;
    const earlier = taskLines.get(key);
    if (earlier !== undefined) fail("task_id", `duplicate task ${taskId} of category ${categoryId} (also on line ${earlier})`);
    taskLines.set(key, line);
    const knownName = categoryNames.get(categoryId);
    if (knownName !== undefined && knownName !== categoryName) {
      fail("category_name", `category ${categoryId} is named ${JSON.stringify(knownName)} on an earlier line, here ${JSON.stringify(categoryName)}`);
    }
    categoryNames.set(categoryId, categoryName);

    return { categoryId, taskId, categoryName, question: text("question"), instruction: text("instruction") };
  });
}
