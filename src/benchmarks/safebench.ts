// Reader for FigStep's SafeBench question files (ThuCCSLab/FigStep `data/question/*.csv`): one
// harmful task a row, numbered by category and task. Every problem is a DataError naming the
// file, line and column.
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
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
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError({ file }, code === "ENOENT" ? "file not found" : `cannot read file (${code ?? String(error)})`);
  }
  return parseSafeBench(text, file);
}

interface CsvRecord {
  record: Record<string, string>;
  info: { lines: number };
  raw: string;
}

/** Parses SafeBench CSV text; `file` is only used in error messages. */
export function parseSafeBench(text: string, file: string): SafeBenchTask[] {
  let records: CsvRecord[];
  try {
    records = parse(text, { columns: true, bom: true, info: true, raw: true, skip_empty_lines: true });
  } catch (error) {
    const { message, lines, column } = error as { message: string; lines?: number; column?: unknown };
    throw new DataError(
      { file, ...(lines !== undefined && { line: lines }), ...(typeof column === "string" && { column }) },
      `not valid CSV: ${message}`,
    );
  }
  const header = parse(text, { bom: true, to_line: 1 })[0] as string[] | undefined;
  if (!header) throw new DataError({ file }, "the file is empty", `expected a header with ${SAFEBENCH_COLUMNS.join(",")}`);
  for (const column of SAFEBENCH_COLUMNS) {
    if (!header.includes(column)) {
      throw new DataError({ file, line: 1, column }, "missing column", `the header must contain ${SAFEBENCH_COLUMNS.join(",")}`);
    }
  }
  if (records.length === 0) throw new DataError({ file }, "no data rows");

  const taskLines = new Map<string, number>();
  const categoryNames = new Map<number, string>();
  return records.map(({ record, info, raw }) => {
    const line = firstLine(info.lines, raw);
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

/** csv-parse reports the line a record ends on; quoted fields may span several lines. */
function firstLine(lastLine: number, raw: string): number {
  const innerNewlines = raw.replace(/\r?\n$/, "").split("\n").length - 1;
  return lastLine - innerNewlines;
}
