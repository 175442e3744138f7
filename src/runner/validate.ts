// What an endpoint answered is untrusted: it is checked here before anything keeps it. A body that
// is not a well-formed chat completion (content a number, choices not a list, lone surrogates,
// token counts that are not whole numbers…) becomes the row's `invalid_response` error, naming what
// was wrong; it is never cached, so it can neither crash a later step nor every rerun. Cache lines
// are read back through the same checks, so an entry written by an older version or edited by hand
// is skipped like a torn line. Known key values are removed from the texts kept (an endpoint may
// echo the Authorization header in its answer).
import { removeKnownSecrets } from "../secrets.ts";
import { CACHE_FORMAT, type CachedResponse } from "./cached-response.ts";

export type RawResponse = Omit<CachedResponse, "format" | "key">;

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Thrown where a check fails: the reason, worded for the row's error. */
class Problem extends Error {}

/** A chat completion body (online answer or Batch API output line) as recorded, or what is wrong with it. */
export function checkCompletion(body: unknown): Checked<RawResponse> {
  return checked(() => {
    if (typeof body === "string") throw new Problem(`the body is text, not JSON (${preview(body)})`);
    const root = object(body, "the body");
    const choices = root.choices;
    if (!Array.isArray(choices)) throw new Problem(choices === undefined ? "it has no choices" : `choices is ${kind(choices)}, not a list`);
    if (choices.length === 0) throw new Problem("choices is empty");
    const choice = object(choices[0], "choices[0]");
    const message = object(choice.message, "choices[0].message");
    const usage = root.usage === undefined || root.usage === null ? {} : object(root.usage, "usage");
    return clean({
      content: text(message.content, "choices[0].message.content"),
      reasoning: text(message.reasoning, "choices[0].message.reasoning"),
      reasoning_content: text(message.reasoning_content, "choices[0].message.reasoning_content"),
      finish_reason: text(choice.finish_reason, "choices[0].finish_reason"),
      prompt_tokens: count(usage.prompt_tokens, "usage.prompt_tokens"),
      completion_tokens: count(usage.completion_tokens, "usage.completion_tokens"),
      latency_ms: 0,
      simulated: text(root.system_fingerprint, "system_fingerprint") === "thinksafe-simulator",
      served_model: text(root.model, "model"),
    });
  });
}

/** One chunk of a streamed completion: what it adds, or what is wrong with it. */
export type StreamDelta = Pick<RawResponse, "content" | "reasoning" | "reasoning_content" | "finish_reason" | "prompt_tokens" | "completion_tokens"> & {
  model: string | null;
  fingerprint: string | null;
};

export function checkStreamChunk(chunk: unknown, index: number): Checked<StreamDelta> {
  return checked(() => {
    const root = object(chunk, `stream chunk ${index + 1}`);
    const at = (path: string) => `stream chunk ${index + 1}: ${path}`;
    const choices = root.choices === undefined || root.choices === null ? [] : root.choices;
    if (!Array.isArray(choices)) throw new Problem(`${at("choices")} is ${kind(choices)}, not a list`);
    const choice = choices.length ? object(choices[0], at("choices[0]")) : {};
    const delta = choice.delta === undefined || choice.delta === null ? {} : object(choice.delta, at("choices[0].delta"));
    const usage = root.usage === undefined || root.usage === null ? {} : object(root.usage, at("usage"));
    return {
      content: text(delta.content, at("choices[0].delta.content")),
      reasoning: text(delta.reasoning, at("choices[0].delta.reasoning")),
      reasoning_content: text(delta.reasoning_content, at("choices[0].delta.reasoning_content")),
      finish_reason: text(choice.finish_reason, at("choices[0].finish_reason")),
      prompt_tokens: count(usage.prompt_tokens, at("usage.prompt_tokens")),
      completion_tokens: count(usage.completion_tokens, at("usage.completion_tokens")),
      model: text(root.model, at("model")),
      fingerprint: text(root.system_fingerprint, at("system_fingerprint")),
    };
  });
}

/** A streamed answer put together, checked like a whole one. */
export function streamedResponse(raw: RawResponse): Checked<RawResponse> {
  return checked(() => clean(raw));
}

/** A cache line's value: a CachedResponse for `key` whose every field has its type, or what is wrong. */
export function checkCachedResponse(value: unknown, key: string): Checked<CachedResponse> {
  return checked(() => {
    const entry = object(value, "the entry");
    if (entry.format !== CACHE_FORMAT) throw new Problem(`format is ${JSON.stringify(entry.format)}, not ${CACHE_FORMAT}`);
    if (entry.key !== key) throw new Problem("its key field differs from the line's key");
    if (typeof entry.simulated !== "boolean") throw new Problem(`simulated is ${kind(entry.simulated)}, not true or false`);
    const latency = count(entry.latency_ms, "latency_ms");
    if (latency === null) throw new Problem("latency_ms is missing");
    const fields: RawResponse = {
      content: text(entry.content, "content"),
      reasoning: text(entry.reasoning, "reasoning"),
      reasoning_content: text(entry.reasoning_content, "reasoning_content"),
      finish_reason: text(entry.finish_reason, "finish_reason"),
      prompt_tokens: count(entry.prompt_tokens, "prompt_tokens"),
      completion_tokens: count(entry.completion_tokens, "completion_tokens"),
      latency_ms: latency,
      simulated: entry.simulated,
      served_model: text(entry.served_model, "served_model"),
    };
    return { format: CACHE_FORMAT, key, ...fields };
  });
}

function checked<T>(check: () => T): Checked<T> {
  try {
    return { ok: true, value: check() };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error.message };
    throw error;
  }
}

/** Texts without any known key; every text well formed (no unpaired surrogate, which no UTF-8 can carry). */
function clean(raw: RawResponse): RawResponse {
  const texts = ["content", "reasoning", "reasoning_content", "finish_reason", "served_model"] as const;
  const out = { ...raw };
  for (const field of texts) {
    const value = out[field];
    if (value === null) continue;
    if (LONE_SURROGATE.test(value)) throw new Problem(`${field} holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF escaped alone), not text`);
    out[field] = removeKnownSecrets(value);
  }
  return out;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new Problem(value === undefined ? `${what} is missing` : `${what} is ${kind(value)}, not an object`);
}

function text(value: unknown, what: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  throw new Problem(`${what} is ${kind(value)}, not a string or null`);
}

function count(value: unknown, what: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= 2 ** 31 - 1) return value;
  throw new Problem(`${what} is ${kind(value)}, not a whole number`);
}

/** "a number (42)", "an object", "an array", "a string" — never more than a few characters of the value. */
function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `a string (${preview(value)})`;
  if (typeof value === "number" || typeof value === "boolean") return `a ${typeof value} (${String(value).slice(0, 20)})`;
  return `a ${typeof value}`;
}

function preview(value: string): string {
  const short = value.slice(0, 40).replace(/\s+/g, " ");
  return JSON.stringify(removeKnownSecrets(value.length > 40 ? `${short}…` : short));
}
