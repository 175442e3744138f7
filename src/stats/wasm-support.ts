// Test support: runs statistic files in DuckDB-wasm 1.1 (@duckdb/duckdb-wasm 1.29.0, the version
// Framework pins and the site's SQL explorer uses) inside Node, through its blocking bindings, so
// tests can require the same rows as Node's DuckDB gives.
import { createRequire } from "node:module";
import { createDuckDB, NODE_RUNTIME, VoidLogger } from "@duckdb/duckdb-wasm/blocking";
import { splitStatements, sqlString, type Cell, type Schema } from "../duckdb/database.ts";
import { statisticSql } from "./sql-files.ts";

const require = createRequire(import.meta.url);
const dist = (file: string) => require.resolve(`@duckdb/duckdb-wasm/dist/${file}`);

export interface InputTable {
  table: string;
  schema: Schema;
  rows: readonly Cell[][];
}

/**
 * Creates the macros and `inputs` in a fresh DuckDB-wasm, materializes each of `statistics`
 * (src/stats/<name>.sql) in order, and returns their rows (BIGINT as number, as Node's rows() gives).
 */
export async function wasmStatistics(inputs: readonly InputTable[], statistics: readonly string[]): Promise<{ version: string; tables: Record<string, Record<string, unknown>[]> }> {
  const wasm = await createDuckDB(
    { mvp: { mainModule: dist("duckdb-mvp.wasm"), mainWorker: dist("duckdb-node-mvp.worker.cjs") }, eh: { mainModule: dist("duckdb-eh.wasm"), mainWorker: dist("duckdb-node-eh.worker.cjs") } },
    new VoidLogger(),
    NODE_RUNTIME,
  );
  await wasm.instantiate();
  const connection = wasm.connect();
  try {
    for (const statement of [...splitStatements(statisticSql("macros")), ...inputs.flatMap(({ table, schema, rows }) => createSql(table, schema, rows))]) {
      connection.query(statement);
    }
    const tables: Record<string, Record<string, unknown>[]> = {};
    for (const table of statistics) {
      connection.query(`CREATE TABLE ${table} AS ${statisticSql(table).trim().replace(/;\s*$/, "")}`);
      tables[table] = plain(connection.query(`SELECT * FROM ${table}`).toArray().map((row) => row.toJSON()));
    }
    return { version: wasm.getVersion(), tables };
  } finally {
    connection.close();
    wasm.reset();
  }
}

function createSql(table: string, schema: Schema, rows: readonly Cell[][]): string[] {
  const columns = Object.entries(schema).map(([name, type]) => `"${name}" ${type}`).join(", ");
  return [`CREATE TABLE ${table} (${columns})`, ...(rows.length ? [`INSERT INTO ${table} VALUES ${rows.map((row) => `(${row.map(sqlValue).join(", ")})`).join(", ")}`] : [])];
}

function sqlValue(value: Cell): string {
  if (value === null) return "NULL";
  return typeof value === "string" ? sqlString(value) : String(value);
}

function plain(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
}
