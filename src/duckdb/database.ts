// DuckDB in Node: an in-memory database, typed tables filled from plain rows, and deterministic
// Parquet output. It knows no statistic: src/stats/sql-files.ts opens one with the statistics'
// macros and runs their files by name.
import { closeSync, openSync, writeSync } from "node:fs";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** Splits a SQL file into statements: each ends with ";" at the end of a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.replace(/--.*$/gm, "").trim() !== "");
}

/** A STRUCT of text fields, spelled as DuckDB describes it (`STRUCT(a VARCHAR, b VARCHAR)`); see structOfText. */
export type StructType = `STRUCT(${string})`;
/** `VARCHAR[]` is a Parquet LIST of strings (image paths, image hashes): a list, never text to split. */
export type ColumnType = "INTEGER" | "DOUBLE" | "BOOLEAN" | "VARCHAR" | "VARCHAR[]" | StructType;
/** A STRUCT cell: its text fields by name (a field not given is NULL). */
export type StructCell = Readonly<Record<string, string | null>>;
export type Cell = number | boolean | string | readonly string[] | null | StructCell;

/** The type of a STRUCT whose fields (plain lower-case names) all hold text. */
export function structOfText(fields: readonly string[]): StructType {
  for (const field of fields) if (!/^[a-z_][a-z0-9_]*$/.test(field)) throw new Error(`STRUCT field names are plain lower-case identifiers, found "${field}"`);
  return `STRUCT(${fields.map((field) => `${field} VARCHAR`).join(", ")})`;
}
export type Schema = Readonly<Record<string, ColumnType>>;

/** A value of a Parquet file's key-value metadata, stored as its JSON text (one JSON value per key). */
export type MetadataValue = string | number | boolean | null | readonly MetadataValue[] | { readonly [key: string]: MetadataValue };
export type Metadata = Readonly<Record<string, MetadataValue>>;

export class Database {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /**
   * One thread: results and Parquet bytes must not depend on scheduling. `setupSql` (statements,
   * see splitStatements) runs first, such as the statistics' macros. DuckDB is loaded here, on
   * first use, not when this module is: a third of a second of an eval's start-up, before its first
   * request, that only its last step needs.
   */
  static async open(setupSql = ""): Promise<Database> {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    const connection = await instance.connect();
    for (const statement of splitStatements(setupSql)) await connection.run(statement);
    return new Database(instance, connection);
  }

  /**
   * Creates `table` with `schema` and appends `rows` (values in schema order). Lists and STRUCTs are
   * appended as their JSON text and their columns then altered to their type (only those columns
   * are rewritten): the client library's nested-value path costs about 100 µs and some native
   * memory a cell (a 28,000-row responses table: 3.4 s and 200 MB).
   */
  async createTable(table: string, schema: Schema, rows: Iterable<readonly Cell[]>): Promise<void> {
    const columns = Object.entries(schema);
    const nested = columns.some(([, type]) => !isPlain(type));
    const target = nested ? `${table}__json` : table;
    await this.connection.run(
      `CREATE OR REPLACE TABLE ${target} (${columns.map(([name, type]) => `"${name}" ${isPlain(type) ? type : "VARCHAR"}`).join(", ")})`,
    );
    const appender = await this.connection.createAppender(target);
    for (const row of rows) {
      columns.forEach(([name, type], i) => appendCell(appender, type, row[i], `${table}.${name}`));
      appender.endRow();
    }
    appender.closeSync();
    if (!nested) return;
    for (const [name, type] of columns) {
      if (!isPlain(type)) await this.connection.run(`ALTER TABLE ${target} ALTER "${name}" TYPE ${type} USING CAST(CAST("${name}" AS JSON) AS ${type})`);
    }
    await this.connection.run(`DROP TABLE IF EXISTS ${table}`);
    await this.connection.run(`ALTER TABLE ${target} RENAME TO ${table}`);
  }

  /**
   * Makes `name` a view of `rows` (of `schema`, values in schema order), written to `file` as JSON
   * Lines and read back by DuckDB whenever the view is queried. Unlike createTable, the rows are
   * never all in memory, as JavaScript values or as a table (a 28,000-row responses table costs
   * 100 MB more at its peak); queries give the same results, and COPY the same Parquet bytes. The
   * caller removes `file` once the view has served.
   */
  async createRowsView(name: string, schema: Schema, rows: Iterable<readonly Cell[]>, file: string): Promise<void> {
    const columns = Object.entries(schema);
    const fd = openSync(file, "w");
    try {
      let text = "";
      for (const row of rows) {
        const record: Record<string, unknown> = {};
        columns.forEach(([column, type], i) => (record[column] = jsonCell(type, row[i], `${name}.${column}`)));
        text += `${JSON.stringify(record)}\n`;
        if (text.length > 1 << 20) {
          writeSync(fd, text);
          text = "";
        }
      }
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    const types = `{${columns.map(([column, type]) => `${sqlString(column)}: ${sqlString(type)}`).join(", ")}}`;
    await this.connection.run(
      `CREATE OR REPLACE VIEW ${name} AS SELECT * FROM read_ndjson(${sqlString(file)}, columns = ${types}, auto_detect = false, maximum_object_size = ${MAX_JSON_ROW_BYTES})`,
    );
  }

  /** Runs `query` (one SELECT; a final ";" is allowed) and keeps its result as table `table`. */
  async createTableAs(table: string, query: string): Promise<void> {
    await this.connection.run(`CREATE OR REPLACE TABLE ${table} AS ${stripTerminator(query)}`);
  }

  /**
   * Rows of a query as plain JSON values (integers as numbers, doubles as numbers). Values such as
   * file paths go in `params` ($1, $2, … in the SQL), never into the SQL text.
   */
  async rows(sql: string, params?: readonly Cell[]): Promise<Record<string, unknown>[]> {
    const reader = params ? await this.connection.runAndReadAll(sql, [...params] as never) : await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  /**
   * Writes `query` to a Parquet file. `metadata` goes into the file's key-value metadata
   * (provenance), each value as JSON text, so every reader parses every key alike
   * (`json.loads(value)`); strings are JSON strings too. Same data and metadata give the same bytes.
   */
  async writeParquet(query: string, file: string, metadata: Metadata = {}, options: { rowGroupSize?: number } = {}): Promise<void> {
    const kv = Object.entries(metadata)
      .map(([key, value]) => `${sqlString(key)}: ${sqlString(JSON.stringify(value))}`)
      .join(", ");
    // A row group is buffered whole before it is written: a smaller one bounds the memory a large table takes.
    const rowGroup = options.rowGroupSize === undefined ? "" : `, ROW_GROUP_SIZE ${Math.trunc(options.rowGroupSize)}`;
    await this.connection.run(
      `COPY (${stripTerminator(query)}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd${rowGroup}${kv ? `, KV_METADATA {${kv}}` : ""})`,
    );
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection["createAppender"]>>;

function appendCell(appender: Appender, type: ColumnType, value: Cell | undefined, where: string): void {
  const cell = checkCell(type, value, where);
  if (cell === null) return appender.appendNull();
  switch (type) {
    case "INTEGER":
      return appender.appendInteger(cell as number);
    case "DOUBLE":
      return appender.appendDouble(cell as number);
    case "BOOLEAN":
      return appender.appendBoolean(cell as boolean);
    case "VARCHAR":
      return appender.appendVarchar(cell as string);
    default:
      return appender.appendVarchar(JSON.stringify(jsonCell(type, cell, where)));
  }
}

/** The cell when it fits the column's type (undefined is NULL); a TypeError naming table and column otherwise. */
function checkCell(type: ColumnType, value: Cell | undefined, where: string): Cell {
  if (value === null || value === undefined) return null;
  const fits =
    type === "INTEGER"
      ? typeof value === "number" && Number.isInteger(value)
      : type === "DOUBLE"
        ? typeof value === "number"
        : type === "BOOLEAN"
          ? typeof value === "boolean"
          : type === "VARCHAR"
            ? typeof value === "string"
            : type === "VARCHAR[]"
              ? Array.isArray(value) && value.every((item) => typeof item === "string")
              : typeof value === "object" && !Array.isArray(value) && Object.values(value).every((v) => v === null || typeof v === "string");
  if (fits) return value;
  const expected = { INTEGER: "an integer", DOUBLE: "a number", BOOLEAN: "a boolean", VARCHAR: "a string", "VARCHAR[]": "a list of strings" }[type as string] ?? "an object of text fields";
  throw new TypeError(`${where}: expected ${expected}`);
}

/**
 * The cell as a JSON value DuckDB reads back as the column's type: a STRUCT with every field in the
 * type's order (a field not given is NULL), text with any lone UTF-16 surrogate made U+FFFD (as the
 * appender makes it: DuckDB's JSON reader refuses them).
 */
function jsonCell(type: ColumnType, value: Cell | undefined, where: string): unknown {
  const cell = checkCell(type, value, where);
  if (cell === null || typeof cell === "number" || typeof cell === "boolean") return cell;
  if (typeof cell === "string") return wellFormed(cell);
  if (Array.isArray(cell)) return cell.map(wellFormed);
  return Object.fromEntries(structFields(type).map((field) => [field, wellFormedOrNull((cell as StructCell)[field])]));
}

/** String.prototype.toWellFormed (ES2024), for text that has surrogates at all. */
function wellFormed(text: string): string {
  return /[\ud800-\udfff]/.test(text) ? text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd") : text;
}

function wellFormedOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : wellFormed(text);
}

/** Longest JSON line the rows view reads: far above one row (an answer is at most limits.response_mb). */
const MAX_JSON_ROW_BYTES = 1 << 30;

const PLAIN: ReadonlySet<string> = new Set(["INTEGER", "DOUBLE", "BOOLEAN", "VARCHAR"]);

function isPlain(type: ColumnType): boolean {
  return PLAIN.has(type);
}

const fieldsOf = new Map<string, string[]>();
/** The field names of a STRUCT of text fields, as structOfText spells it. */
function structFields(type: ColumnType): string[] {
  let fields = fieldsOf.get(type);
  if (!fields) fieldsOf.set(type, (fields = [...type.matchAll(/([a-z_][a-z0-9_]*) VARCHAR/g)].map((match) => match[1]!)));
  return fields;
}

function stripTerminator(sql: string): string {
  return sql.trim().replace(/;\s*$/, "");
}

/** `value` as a SQL string literal, for where DuckDB takes no parameter (COPY … TO, a view's file list). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
