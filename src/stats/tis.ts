// Statistics of fine-tuning data sets (the TiS dataset page): composition, thinking and answer
// lengths, and a build's filter funnel, each computed by its file in this folder over two tables:
// tis_records (one row per record of a data set) and tis_filtered (one row per input item of a
// TiS build, kept or dropped with the reason). src/site/tis.ts writes both for the site.
import type { Database, Schema } from "../duckdb/database.ts";
import { materialize } from "./sql-files.ts";

/** The TiS tables, each computed by `src/stats/<name>.sql`, with what one row is. */
export const TIS_TABLES = {
  tis_composition: "per data set, image source and harm category: records, share of the data set, refusals, labelled harmful / benign",
  tis_lengths: "per data set, measure (thinking, answer) and length bin (words, doubling edges): records and share",
  tis_length_summary: "per data set and measure: records with and without the text, min, median, mean and max words",
  tis_funnel: "per TiS build and filter check, in the order they run: items in, dropped, out, share dropped, an example reason",
} as const;
export type TisTable = keyof typeof TIS_TABLES;

/** The columns the TiS statistics read; the tests build their tables from these schemas alone. */
export const TIS_INPUTS = {
  tis_records: {
    dataset: "VARCHAR",
    is_simulated: "BOOLEAN",
    source: "VARCHAR",
    harm_category: "VARCHAR",
    thinking_words: "INTEGER",
    answer_words: "INTEGER",
    is_refusal: "BOOLEAN",
    is_harmful_request: "BOOLEAN",
  },
  tis_filtered: {
    dataset: "VARCHAR",
    is_simulated: "BOOLEAN",
    position: "INTEGER",
    kept: "BOOLEAN",
    drop_reason: "VARCHAR",
    drop_detail: "VARCHAR",
  },
} as const satisfies Record<string, Schema>;

/** Materializes every TiS table in a database that already holds tis_records and tis_filtered. */
export async function computeTis(db: Database): Promise<void> {
  for (const table of Object.keys(TIS_TABLES)) await materialize(db, table);
}
