// The responses table: one row per (model, benchmark, sample, repeat), thinking kept apart from the
// answer. Rows come from the plan, not from what happened to arrive, so a row can never be
// duplicated or silently missing: a request that failed is a row with `error` set.
import type { Experiment, ResolvedModel } from "../experiments/load.ts";
import { JUDGE_CONTEXT_TYPE, judgeContextCell } from "../judges/context.ts";
import { splitDialogue, splitThinking, type SplitResponse } from "../models/thinking.ts";
import type { CachedResponse } from "../runner/cached-response.ts";
import type { Cell, Schema } from "../duckdb/database.ts";
import type { RowResult } from "./dialogue.ts";
import type { PlannedRow } from "./plan.ts";

export const RESPONSES_SCHEMA = {
  experiment_id: "VARCHAR",
  experiment_hash: "VARCHAR",
  model_id: "VARCHAR",
  model: "VARCHAR",
  /** The model profile (src/models/profiles/) that prompted it and split its reply. */
  profile: "VARCHAR",
  base_model_id: "VARCHAR",
  endpoint: "VARCHAR",
  benchmark_id: "VARCHAR",
  subset: "VARCHAR",
  sample_id: "VARCHAR",
  category: "VARCHAR",
  repeat: "INTEGER",
  prompt: "VARCHAR",
  /** The sha256 of the sample's images, in order (a list; empty for a text-only sample). */
  image_sha256: "VARCHAR[]",
  /** What the judges are told beyond the prompt (src/judges/context.ts): STRUCT(request, typed_text, …); NULL for capability items. */
  judge_context: JUDGE_CONTEXT_TYPE,
  thinking: "VARCHAR",
  /** countWords(thinking), recorded here so statistics need not read the text; NULL without thinking. */
  thinking_words: "INTEGER",
  answer: "VARCHAR",
  reasoning_source: "VARCHAR",
  thinking_complete: "BOOLEAN",
  finish_reason: "VARCHAR",
  error: "VARCHAR",
  error_kind: "VARCHAR",
  latency_ms: "INTEGER",
  prompt_tokens: "INTEGER",
  completion_tokens: "INTEGER",
  is_simulated: "BOOLEAN",
  served_model: "VARCHAR",
  cache_key: "VARCHAR",
} as const satisfies Schema;

/**
 * Words in `text`: maximal runs of characters other than ASCII whitespace (space, tab, newline,
 * vertical tab, form feed, carriage return). Any other character, Unicode spaces included, is part
 * of a word. The one definition of a thinking length (thinking_length.sql reads thinking_words).
 */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13);
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

export function responseRow(experiment: Experiment, row: PlannedRow, result: RowResult): Cell[] {
  const { model, sample } = row;
  const answered = result.ok ? result.response : null;
  const split = answered ? splitReply(model, answered, result.turns) : null;
  const values: Record<keyof typeof RESPONSES_SCHEMA, Cell> = {
    experiment_id: experiment.id,
    experiment_hash: experiment.hash,
    model_id: model.id,
    model: model.model,
    profile: model.profile.id,
    base_model_id: model.base,
    endpoint: model.endpoint,
    benchmark_id: sample.benchmark,
    subset: sample.subset,
    sample_id: sample.sampleId,
    category: sample.category,
    repeat: row.repeat,
    prompt: sample.prompt,
    image_sha256: sample.images.map((image) => image.sha256),
    judge_context: judgeContextCell(sample),
    thinking: split?.thinking ?? null,
    thinking_words: typeof split?.thinking === "string" ? countWords(split.thinking) : null,
    answer: split ? split.answer : null,
    reasoning_source: split?.reasoningSource ?? null,
    thinking_complete: split ? split.thinkingComplete : null,
    finish_reason: answered?.finish_reason ?? null,
    error: result.ok ? null : `${result.error} (after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"})`,
    error_kind: result.ok ? null : result.errorKind,
    latency_ms: answered?.latency_ms ?? null,
    prompt_tokens: answered?.prompt_tokens ?? null,
    completion_tokens: answered?.completion_tokens ?? null,
    is_simulated: answered ? answered.simulated : null,
    served_model: answered?.served_model ?? null,
    cache_key: row.key,
  };
  return Object.keys(RESPONSES_SCHEMA).map((column) => values[column as keyof typeof RESPONSES_SCHEMA]);
}

/** Thinking and answer of a reply (or of a dialogue's replies) as the model's profile reads them. */
export function splitReply(model: Pick<ResolvedModel, "profile">, response: CachedResponse, turns?: readonly CachedResponse[]): SplitResponse {
  const { exchange, rules } = model.profile;
  if (exchange.kind === "dialogue" && turns) {
    return splitDialogue(turns.map((t) => ({ message: t, finishReason: t.finish_reason })), exchange.turns, exchange.source, rules);
  }
  return splitThinking(response, response.finish_reason, rules);
}

/**
 * The columns a table derived from responses.parquet (judgments, scores) repeats to name the
 * response each of its rows is about, read from one row of that file.
 */
export function responseIdentity(r: Record<string, unknown>) {
  return {
    experiment_id: r.experiment_id as string,
    experiment_hash: r.experiment_hash as string,
    model_id: r.model_id as string,
    base_model_id: (r.base_model_id as string | null) ?? null,
    benchmark_id: r.benchmark_id as string,
    subset: r.subset as string,
    sample_id: r.sample_id as string,
    category: (r.category as string | null) ?? null,
    repeat: r.repeat as number,
  };
}
