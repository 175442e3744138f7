// Framework's SQL idiom for this site's tables, offline. Framework hands a Parquet file to
// DuckDB-wasm, which reads it only through its parquet extension, fetched from the internet (and so
// disabled here: observablehq.config.ts). parquet-wasm decodes the file in the page instead, and
// DuckDB gets Arrow tables, which it needs no extension for:
//
//   import { parquetSql } from "./components/duckdb.js";
//   const sql = parquetSql({ safety: FileAttachment("data/safety.parquet") });
//
// then every ```sql cell of the page queries `safety` (FileAttachment needs a literal file name,
// so the page names each file itself). `npm run build` stops on the idioms that cannot work
// offline (src/site/page-lint.ts).
import { DuckDBClient } from "npm:@observablehq/duckdb";

/** A `sql` tagged template (as Framework's `DuckDBClient.sql`) over the named Parquet files. */
export function parquetSql(files) {
  return DuckDBClient.sql(Object.fromEntries(Object.entries(files).map(([name, file]) => [name, file.parquet()])));
}
