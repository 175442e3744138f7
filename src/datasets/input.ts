// Reading user-given and shipped input files, with errors that name the file, line and column.
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { DataError } from "../errors.ts";

/** The text of `file`, or a DataError saying it is missing or unreadable and what to give instead. */
export async function readTextFile(file: string, fix?: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError({ file }, code === "ENOENT" ? "file not found" : `cannot read file (${code ?? String(error)})`, fix);
  }
}

export interface CsvRow {
  record: Record<string, string>;
  /** The line the record starts on, 1-based, counting the header. */
  line: number;
  /** The data row, 1-based. */
  row: number;
}

/** Parses CSV with a header that must hold `required` columns; at least one data row. */
export function parseCsv(text: string, file: string, required: readonly string[]): CsvRow[] {
  let records: Array<{ record: Record<string, string>; info: { lines: number }; raw: string }>;
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
  if (!header) throw new DataError({ file }, "the file is empty", `expected a header with ${required.join(",")}`);
  for (const column of required) {
    if (!header.includes(column)) {
      throw new DataError({ file, line: 1, column }, "missing column", `the header must contain ${required.join(",")}`);
    }
  }
  if (records.length === 0) throw new DataError({ file }, "no data rows");
  return records.map(({ record, info, raw }, i) => ({ record, line: firstLine(info.lines, raw), row: i + 1 }));
}

/** csv-parse reports the line a record ends on; quoted fields may span several lines. */
function firstLine(lastLine: number, raw: string): number {
  const innerNewlines = raw.replace(/\r?\n$/, "").split("\n").length - 1;
  return lastLine - innerNewlines;
}
