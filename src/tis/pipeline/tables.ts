// The build's stage tables (OUT/<name>.parquet) and its final record format. Column names are the
// contract for the TiS dataset page and anyone querying a build.
import type { Schema } from "../../duckdb/database.ts";

export { SPEC_SCHEMA } from "./safety-spec.ts";

/** What a stage table records of each request's reply, last in its row (build.ts `responseCells` fills them). */
const REPLY_COLUMNS = {
  finish_reason: "VARCHAR",
  error: "VARCHAR",
  error_kind: "VARCHAR",
  prompt_tokens: "INTEGER",
  completion_tokens: "INTEGER",
  is_simulated: "BOOLEAN",
  served_model: "VARCHAR",
  cache_key: "VARCHAR",
} as const satisfies Schema;

/** One row per item sent to captioning (duplicates are not), in input order. */
export const CAPTIONS_SCHEMA = {
  item_id: "VARCHAR",
  /** The images' paths in the release (`images/...`), a list. */
  images: "VARCHAR[]",
  /** The images' sha256, a list in the item's order. */
  image_sha256: "VARCHAR[]",
  /** `captioner`, or `given` when the input carried it. */
  caption_source: "VARCHAR",
  model: "VARCHAR",
  endpoint: "VARCHAR",
  caption: "VARCHAR",
  ...REPLY_COLUMNS,
} as const satisfies Schema;

/** One row per item whose caption arrived, in input order: the teacher's reply as one text. */
export const ANSWERS_SCHEMA = {
  item_id: "VARCHAR",
  model: "VARCHAR",
  endpoint: "VARCHAR",
  prompt_sha256: "VARCHAR",
  /** `<think>…</think>answer` as received (reasoning fields folded into the tags). */
  text: "VARCHAR",
  ...REPLY_COLUMNS,
} as const satisfies Schema;

/** One row per input item, in input order: kept, or dropped with the first reason it failed. */
export const FILTERED_SCHEMA = {
  position: "INTEGER",
  item_id: "VARCHAR",
  source: "VARCHAR",
  source_id: "VARCHAR",
  question: "VARCHAR",
  /** harmful, benign, or null when the source gives none. */
  label: "VARCHAR",
  /** What refusal consistency held the answer to: harmful, benign or unchecked. */
  refusal_check: "VARCHAR",
  source_category: "VARCHAR",
  harm_category: "VARCHAR",
  /** Lists, as in the captions table. */
  images: "VARCHAR[]",
  image_sha256: "VARCHAR[]",
  caption: "VARCHAR",
  thinking: "VARCHAR",
  answer: "VARCHAR",
  thinking_words: "INTEGER",
  answer_words: "INTEGER",
  judge_id: "VARCHAR",
  judge_version: "VARCHAR",
  judge_verdict: "VARCHAR",
  judge_explanation: "VARCHAR",
  refusal_phrase: "VARCHAR",
  duplicate_of: "VARCHAR",
  kept: "BOOLEAN",
  drop_reason: "VARCHAR",
  drop_detail: "VARCHAR",
  is_simulated: "BOOLEAN",
} as const satisfies Schema;

/** A record of the TiS release (LLaMA-Factory sharegpt): what OUT/tis.json holds. */
export interface TisRecord {
  conversations: [{ from: "human"; value: string }, { from: "gpt"; value: string }];
  images: string[];
}
