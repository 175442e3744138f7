// Pieces of the SQL explorer: load published Parquet into DuckDB-wasm, describe tables, run a query.
import { DuckDBClient } from "npm:@observablehq/duckdb";
import * as Inputs from "npm:@observablehq/inputs";
import { html } from "npm:htl";

/** A DuckDB-wasm database with every table loaded and the project's SQL macros defined. */
export async function openExplorer(files, macrosSql) {
  const tables = Object.fromEntries(
    await Promise.all(Object.entries(files).map(async ([name, file]) => [name, await file.parquet()]))
  );
  const db = await DuckDBClient.of(tables);
  for (const statement of splitStatements(macrosSql)) await db.query(statement);
  return { db, tables };
}

/** Same rule as src/stats/database.ts: a statement ends with ";" at the end of a line. */
export function splitStatements(sql) {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--.*$/gm, "").trim() !== "");
}

/** One block per table: name, description, row count, columns with types, Parquet download. */
export function tableCard({ table, description, sql }, arrowTable, url) {
  return html`<details class="table-card" data-table=${table}>
    <summary><code>${table}</code> — ${arrowTable.numRows.toLocaleString("en-US")} rows
      · <a href=${url} download=${`${table}.parquet`}>download Parquet</a></summary>
    <p>${description}.${sql ? html` Computed by <code>src/stats/${sql}</code>.` : ""}</p>
    <table class="schema"><thead><tr><th>column</th><th>type</th></tr></thead><tbody>
      ${arrowTable.schema.fields.map((f) => html`<tr><td><code>${f.name}</code></td><td>${String(f.type)}</td></tr>`)}
    </tbody></table>
  </details>`;
}

/** Runs `sql` and renders the result (as text, never as HTML) or the error, with timing. */
export async function queryResult(db, sql) {
  const started = performance.now();
  try {
    const table = await db.query(sql); // an Arrow table
    const ms = Math.round(performance.now() - started);
    const n = table.numRows;
    return html`<div id="query-result">
      <p class="small"><span id="row-count">${n.toLocaleString("en-US")} row${n === 1 ? "" : "s"}</span> in ${ms} ms</p>
      ${n ? Inputs.table(table, { layout: "auto", rows: 15, select: false, format: textFormats(table) }) : ""}
    </div>`;
  } catch (error) {
    return html`<div id="query-result"><p id="query-error" class="query-error">${String(error?.message ?? error)}</p></div>`;
  }
}

// Long text (model responses) is shown as plain, truncated text; full values stay in the data.
function textFormats(table) {
  const names = table.schema.fields.map((f) => f.name);
  return Object.fromEntries(
    names.map((name) => [name, (v) => (typeof v === "string" && v.length > 160 ? `${v.slice(0, 160)}…` : v)])
  );
}
