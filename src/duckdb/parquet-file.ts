// Reading a Parquet file someone hands a command (a run folder's responses.parquet, a shard): every
// way it can be unreadable — missing, a folder, empty, cut short, another format, damaged inside —
// becomes one DataError naming the file and what is wrong in plain words, never DuckDB's message
// with its SQL. The checks read the first and last bytes and the footer, never the data.
import { open, stat } from "node:fs/promises";
import { DataError } from "../errors.ts";
import { sqlString, type Database } from "./database.ts";

const MAGIC = "PAR1";

/** `read_parquet('…')` of `file`, as a quoted literal (for a view or DESCRIBE, which take no parameter). */
export function parquetSource(file: string): string {
  return `read_parquet(${sqlString(file)})`;
}

/**
 * Checks that `file` is a readable Parquet file holding the `required` columns, and returns its
 * columns (name → DuckDB type) and row count, or throws a DataError with `fix`: what would give a
 * good file (rerun the command that wrote it).
 */
export async function checkParquetFile(db: Database, file: string, fix: string, required: readonly string[] = []): Promise<{ columns: Map<string, string>; rows: number }> {
  const problem = await headerProblem(file);
  if (problem) throw new DataError({ file }, problem, problem === "file not found" ? fix : damagedFix(fix));
  let columns: Map<string, string>;
  let rows: number;
  try {
    columns = new Map((await db.rows(`DESCRIBE SELECT * FROM ${parquetSource(file)}`)).map((row) => [String(row.column_name), String(row.column_type)]));
    const [count] = await db.rows("SELECT count(*)::BIGINT AS n FROM read_parquet($1)", [file]);
    rows = Number(count?.n ?? 0);
  } catch (error) {
    throw damaged(file, error, fix);
  }
  const missing = required.filter((column) => !columns.has(column));
  if (missing.length) {
    throw new DataError({ file, column: missing[0] }, `missing column${missing.length > 1 ? `s ${missing.join(", ")}` : ""}: not the file this command reads, or written by another version`, fix);
  }
  return { columns, rows };
}

/**
 * Runs `work`, which reads `files`; a DuckDB error about one of them (a page damaged past the
 * footer, a column that does not convert) becomes a DataError naming that file. Anything else is
 * rethrown as it is: it is not the input's fault.
 */
export async function readingParquet<T>(files: readonly string[], fix: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DataError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const file = files.find((f) => message.includes(f));
    if (file) throw damaged(file, error, fix);
    throw error;
  }
}

/** What is wrong with the file's bytes, judged from its size and Parquet's magic bytes, or null. */
export async function headerProblem(file: string): Promise<string | null> {
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return "is a folder, not a Parquet file";
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "file not found" : `cannot be read (${code})`;
  }
  if (size === 0) return "the file is empty (0 bytes): its write was interrupted, or something else truncated it";
  if (size < 12) return `not a Parquet file: ${size} bytes is too short to hold one`;
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 4, size - 4);
    if (head.toString("latin1") !== MAGIC) return "not a Parquet file: it does not start with Parquet's magic bytes (PAR1); is it another format?";
    if (tail.toString("latin1") !== MAGIC) return "a Parquet file cut short: it does not end with Parquet's footer (PAR1), so its write was interrupted or it was copied in part";
  } finally {
    await handle.close();
  }
  return null;
}

function damaged(file: string, error: unknown, fix: string): DataError {
  return new DataError({ file }, `cannot be read: ${plainReason(error, file)}`, damagedFix(fix));
}

function damagedFix(fix: string): string {
  return `restore it from a copy, or ${fix.replace(/^run /, "rerun ").replace(/ first$/, "")}`;
}

/**
 * DuckDB's reason in a few words: its first line without the error class, the file's path or the
 * SQL it quotes ("LINE 1: SELECT … ^").
 */
export function plainReason(error: unknown, file: string): string {
  const first = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
  const reason = first
    .replace(/^[A-Za-z ]*Error: /, "")
    .replaceAll(` in file '${file}'`, "")
    .replaceAll(` of file '${file}'`, "")
    .replaceAll(`'${file}'`, "the file")
    .replaceAll(file, "the file")
    .trim();
  return reason === "" ? "DuckDB cannot read it" : reason.charAt(0).toLowerCase() + reason.slice(1);
}
