// Normalised records as a Parquet table (`thinksafe tis import … --out FILE.parquet`), one row per
// record in input order, for the TiS dataset page and for querying. DuckDB writes it single-threaded
// with fixed metadata (no time, no absolute path), so the same input gives the same bytes.
import { basename } from "node:path";
import { Database, type Cell, type Schema } from "../duckdb/database.ts";
import { packageVersion, sha256File } from "../provenance.ts";
import { atomically } from "../atomic-write.ts";
import type { TisRecord } from "./record.ts";

export const RECORDS_SCHEMA = {
  record_id: "VARCHAR",
  /** tis, vlguard-train, spa-vl or mis. */
  dataset: "VARCHAR",
  /** 1-based position among the input's records (a VLGuard image gives two or more). */
  position: "INTEGER",
  /** Whose image: vlguard, spa-vl, mis or unknown. */
  source: "VARCHAR",
  /** Harm category where the input gives one (SPA-VL's taxonomy path), else null. */
  category: "VARCHAR",
  question: "VARCHAR",
  /** The image paths as the input gives them (a list). */
  images: "VARCHAR[]",
  n_images: "INTEGER",
  thinking: "VARCHAR",
  answer: "VARCHAR",
  /** The thinking markup of the input (record.ts ThinkingFormat). */
  thinking_format: "VARCHAR",
  /** Whitespace-separated words; 0 without thinking. */
  thinking_words: "INTEGER",
  answer_words: "INTEGER",
  /** The answer opens with a refusal phrase (a heuristic; see record.ts). */
  is_refusal: "BOOLEAN",
  /** The request is harmful, where the input labels it; else null. */
  is_harmful_request: "BOOLEAN",
} as const satisfies Schema;

export function recordRow(record: TisRecord): Cell[] {
  return [
    record.id,
    record.dataset,
    record.index,
    record.source,
    record.category,
    record.question,
    record.images,
    record.images.length,
    record.thinking,
    record.answer,
    record.thinkingFormat,
    words(record.thinking ?? ""),
    words(record.answer),
    record.isRefusal,
    record.isHarmfulRequest,
  ];
}

/** Writes the records to `file` atomically; `inputFile` is recorded by name and sha256. */
export async function writeRecordsParquet(records: readonly TisRecord[], file: string, inputFile: string): Promise<void> {
  const db = await Database.open();
  try {
    await db.createTable("tis_records", RECORDS_SCHEMA, records.map(recordRow));
    await atomically(file, (temporary) =>
      db.writeParquet("SELECT * FROM tis_records ORDER BY position", temporary, {
        "thinksafe.table": "tis_records",
        "thinksafe.version": packageVersion(),
        "thinksafe.input": basename(inputFile),
        "thinksafe.input_sha256": sha256File(inputFile),
      }),
    );
  } finally {
    db.close();
  }
}

function words(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}
