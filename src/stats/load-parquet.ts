// A run folder's Parquet file as a typed table of the columns a statistic reads: a clear DataError
// when the file or a column is missing or does not convert, and columns that files written by older
// versions lack computed from ones they have.
import { DuckDBScalarFunction, INTEGER, VARCHAR } from "@duckdb/node-api";
import { DataError } from "../errors.ts";
import { countWords } from "../eval/responses.ts";
import type { Database, Schema } from "../duckdb/database.ts";
import { checkParquetFile, parquetSource, plainReason } from "../duckdb/parquet-file.ts";

/** A column files written by older versions lack, and how to compute it from one they have. */
export interface Derived {
  from: string;
  expression: string;
  /** Makes `expression` work in `db`. */
  prepare(db: Database): void;
}

/**
 * responses.parquet of run folders written before responses recorded thinking_words: the counts come
 * from the thinking texts, with the same countWords, so old folders give the same statistics (only
 * more slowly: the texts are read).
 */
export const OLDER_RESPONSES: Record<string, Derived> = {
  thinking_words: {
    from: "thinking",
    expression: `thinksafe_count_words("thinking")`,
    prepare: (db) => {
      if (withCountWords.has(db)) return;
      withCountWords.add(db);
      db.connection.registerScalarFunction(
        DuckDBScalarFunction.create({
          name: "thinksafe_count_words",
          returnType: INTEGER,
          parameterTypes: [VARCHAR],
          mainFunction: (_info, input, output) => {
            const texts = input.getColumnVector(0);
            for (let row = 0; row < input.rowCount; row++) {
              const text = texts.getItem(row);
              output.setItem(row, typeof text === "string" ? countWords(text) : null);
            }
            output.flush();
          },
        }),
      );
    },
  },
};
const withCountWords = new WeakSet<Database>();

/**
 * Makes `table` (typed by `schema`) from `file`'s columns of the same names, or, for a column the file
 * lacks, from `derived`. A file that has every column with its type, as thinksafe writes them, is
 * read in place through a view: each statistic scans only the columns it needs, and the Parquet
 * reader's dictionary-encoded strings join and group faster than a copy. Otherwise the columns are
 * cast or derived once, into a table, where a value that does not convert is reported.
 */
export async function loadParquet(db: Database, table: string, file: string, schema: Schema, fix: string, derived: Record<string, Derived> = {}): Promise<void> {
  const source = parquetSource(file);
  const { columns: types } = await checkParquetFile(db, file, fix);
  const derivedFor = (column: string): Derived | undefined => (types.has(column) ? undefined : derived[column]);
  const missing = Object.keys(schema).filter((column) => !types.has(column) && !types.has(derived[column]?.from ?? column));
  if (missing.length) {
    throw new DataError({ file, column: missing[0] }, `missing column${missing.length > 1 ? `s ${missing.join(", ")}` : ""}`);
  }
  const columns = Object.entries(schema).map(([column, type]) => {
    const from = derivedFor(column);
    if (from) from.prepare(db);
    return from ? `(${from.expression})::${type} AS "${column}"` : types.get(column) === type ? `"${column}"` : `"${column}"::${type} AS "${column}"`;
  });
  const inPlace = Object.entries(schema).every(([column, type]) => types.get(column) === type);
  try {
    await db.connection.run(`CREATE OR REPLACE ${inPlace ? "VIEW" : "TABLE"} ${table} AS SELECT ${columns.join(", ")} FROM ${source}`);
  } catch (error) {
    const expected = Object.entries(schema).filter(([column, type]) => types.get(column) !== type).map(([column, type]) => `${column} ${type} (found ${types.get(column) ?? "none"})`);
    throw new DataError({ file }, `its columns do not read as the ${table} table's types: ${expected.join(", ")}: ${plainReason(error, file)}`, fix);
  }
}
