// Every table the site publishes, with what a row is. The SQL explorer lists these, and a test
// checks that each has a loader in data-loaders/ and a download on the explorer page.
import { existsSync } from "node:fs";
import { AGREEMENT_TABLES } from "../agreement/index.ts";

export const PUBLISHED_TABLES: Readonly<Record<string, string>> = {
  ...AGREEMENT_TABLES,
  responses:
    "SIMULATED: one row per model, benchmark sample and repeat of experiments/demo.yaml, whose models are all served by thinksafe's simulator (is_simulated = true): thinking and answer kept apart, finish reason, tokens, latency, errors, cache key",
  judgments:
    "SIMULATED: the demo's responses judged, one row per response, judge and target (the answer, and the thinking where there is one): verdict, unsafe, score, explanation",
};

export interface CatalogEntry {
  table: string;
  description: string;
  /** The file in src/stats whose SELECT computes the table, when it is a statistic. */
  sql: string | null;
}

export function catalog(): CatalogEntry[] {
  return Object.entries(PUBLISHED_TABLES).map(([table, description]) => ({
    table,
    description,
    sql: existsSync(new URL(`../stats/${table}.sql`, import.meta.url)) ? `${table}.sql` : null,
  }));
}
