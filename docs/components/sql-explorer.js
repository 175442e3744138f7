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

/** Same rule as src/duckdb/database.ts: a statement ends with ";" at the end of a line. */
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

/**
 * Example queries for each experiment with results (`experiments`: {experiment_id, simulated}):
 * its rows of the main tables, and the project's statistics recomputed from its rows alone.
 * `hasRows(table, experiment)` says whether a table holds any of the experiment's rows.
 */
export async function experimentExamples(experiments, { hasRows, studyItemsSql, safetySql, capabilitySql }) {
  const examples = {};
  for (const { experiment_id: id, simulated } of experiments) {
    const name = `${id}${simulated ? " (SIMULATED)" : ""}`;
    const where = `experiment_id = '${id.replaceAll("'", "''")}'`;
    if (await hasRows("safety", id)) {
      examples[`${name}: unsafe rate per model and benchmark (safety)`] = `SELECT model_id, benchmark_id, judge_id, n,
  round(100 * unsafe_rate, 1) AS unsafe_pct, round(100 * ci_low, 1) AS ci_low_pct, round(100 * ci_high, 1) AS ci_high_pct
FROM safety
WHERE ${where} AND target = 'answer'
ORDER BY judge_id, benchmark_id, model_id`;
    }
    if (await hasRows("degradation", id)) {
      examples[`${name}: each model against its base (degradation)`] = `SELECT model_id, base_model_id, benchmark_id, judge_id, n_pairs,
  round(100 * delta, 1) AS delta_points, round(100 * ci_low, 1) AS ci_low_points, round(100 * ci_high, 1) AS ci_high_points,
  b, c, p_value, p_adjusted, p_adjust_method, n_planned - n_pairs AS n_dropped
FROM degradation
WHERE ${where} AND target = 'answer'
ORDER BY judge_id, benchmark_id, model_id`;
    }
    if (await hasRows("capability", id)) {
      examples[`${name}: accuracy and Δ against the untuned model (capability)`] = `SELECT model_id, base_model_id, benchmark_id, n,
  round(100 * accuracy, 1) AS accuracy_pct, round(100 * delta, 1) AS delta_points,
  round(100 * delta_ci_low, 1) AS delta_ci_low_points, round(100 * delta_ci_high, 1) AS delta_ci_high_points, p_value, p_adjusted
FROM capability
WHERE ${where}
ORDER BY benchmark_id, base_model_id NULLS FIRST, model_id`;
    }
    examples[`${name}: answers per model (responses)`] = `SELECT model_id, base_model_id, count(*) AS n, count(thinking) AS with_thinking,
  count(error) AS failed, round(avg(completion_tokens)) AS avg_completion_tokens, bool_and(is_simulated) AS all_simulated
FROM responses
WHERE ${where}
GROUP BY ALL ORDER BY model_id`;
    if (await hasRows("judgments", id)) {
      examples[`${name}: recompute safety from its responses and judgments only (src/stats/safety.sql)`] = onRowsOf(["responses", "judgments"], where, safetySql, { studyItemsSql });
    }
    if (await hasRows("scores", id)) examples[`${name}: recompute capability from its scores and responses only (src/stats/capability.sql)`] = onRowsOf(["scores", "responses"], where, capabilitySql);
  }
  return examples;
}

/**
 * A statistics file run on one experiment's rows: each table it reads is bound to those rows (as
 * `<table>_rows`). With `studyItemsSql`, the study_items table it reads (src/stats/study_items.sql:
 * the item as the unit) is recomputed first from the same rows.
 */
function onRowsOf(tables, where, statisticSql, { studyItemsSql } = {}) {
  const bind = (sql) => tables.reduce((body, table) => body.replace(new RegExp(`\\b${table}\\b`, "g"), `${table}_rows`), sql.trim().replace(/;$/, ""));
  return `-- The file reads the tables ${tables.join(" and ")}${studyItemsSql ? " (and study_items, computed from them)" : ""}; here only their rows WHERE ${where}.
WITH ${tables.map((table) => `${table}_rows AS (SELECT * FROM ${table} WHERE ${where})`).join(",\n")},
${studyItemsSql ? `study_items AS (\n${bind(studyItemsSql)}\n),\n` : ""}recomputed AS (
${bind(statisticSql)}
)
SELECT * FROM recomputed`;
}
