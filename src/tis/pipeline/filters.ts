// The TiS build's filters, as pure functions. Every item ends up kept or dropped with one reason:
// the first check it fails, in the order of DROP_REASONS, so the funnel adds up.
import { REFUSAL_KEYWORDS } from "../../judges/refusal-keywords.ts";

/** Why a row was dropped, in the order the checks run. */
export const DROP_REASONS = [
  "duplicate",
  "caption_error",
  "teacher_error",
  "truncated",
  "malformed_tags",
  "thinking_too_short",
  "thinking_too_long",
  "harmful_complied",
  "benign_refused",
  "judge_unresolved",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface Drop {
  reason: DropReason;
  detail: string;
}

// ---------------------------------------------------------------------------------------------
// Deduplication: the first item with a key is kept, later ones point to it.

/** Case, accents' composition, punctuation and spacing do not make a question new. */
export function normaliseQuestion(question: string): string {
  return question
    .normalize("NFKC")
    .toLowerCase()
    .replace(/<image>/g, " ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

export type DedupField = "question" | "images";

export function dedupKey(item: { question: string; imageSha256: readonly string[] }, by: readonly DedupField[]): string {
  return JSON.stringify([
    by.includes("question") ? normaliseQuestion(item.question) : null,
    // The same set of images in another order is the same input.
    by.includes("images") ? [...item.imageSha256].sort() : null,
  ]);
}

/** For each item, the index of the earlier item it duplicates, or null for the first of its key. */
export function findDuplicates(items: readonly { question: string; imageSha256: readonly string[] }[], by: readonly DedupField[]): (number | null)[] {
  const first = new Map<string, number>();
  return items.map((item, i) => {
    const key = dedupKey(item, by);
    const earlier = first.get(key);
    if (earlier !== undefined) return earlier;
    first.set(key, i);
    return null;
  });
}

// ---------------------------------------------------------------------------------------------
// Well-formed tags: `<think>` first, one closing `</think>`, thinking and answer both non-empty.

export type ThinkParse = { ok: true; thinking: string; answer: string } | { ok: false; problem: string };

const OPEN = "<think>";
const CLOSE = "</think>";

export function parseThinkAnswer(text: string): ThinkParse {
  const trimmed = text.trim();
  const count = (tag: string) => trimmed.split(tag).length - 1;
  if (!trimmed.startsWith(OPEN)) return { ok: false, problem: "does not start with <think>" };
  if (count(OPEN) > 1) return { ok: false, problem: `${count(OPEN)} <think> tags` };
  if (count(CLOSE) === 0) return { ok: false, problem: "no closing </think>" };
  if (count(CLOSE) > 1) return { ok: false, problem: `${count(CLOSE)} </think> tags` };
  const end = trimmed.indexOf(CLOSE);
  const thinking = trimmed.slice(OPEN.length, end).trim();
  const answer = trimmed.slice(end + CLOSE.length).trim();
  if (thinking === "") return { ok: false, problem: "empty thinking" };
  if (answer === "") return { ok: false, problem: "no answer after </think>" };
  return { ok: true, thinking, answer };
}

/** The teacher's reply as one `<think>…</think>answer` text, whether the server split off the reasoning or not. */
export function teacherText(response: { content: string | null; reasoning: string | null; reasoning_content: string | null }): string {
  const reasoning = [response.reasoning, response.reasoning_content].find((r): r is string => r !== null && r.trim() !== "");
  const content = response.content ?? "";
  return reasoning === undefined ? content : `${OPEN}\n${reasoning.trim()}\n${CLOSE}\n${content.trim()}`;
}

/** The `gpt` turn of a TiS record, laid out as the release does. */
export function tisAnswer(thinking: string, answer: string): string {
  return `${OPEN}\n${thinking}\n${CLOSE}\n${answer}`;
}

// ---------------------------------------------------------------------------------------------
// Thinking length, in whitespace-separated words.

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function checkThinkingLength(thinking: string, bounds: { min: number; max: number }): Drop | null {
  const words = wordCount(thinking);
  if (words < bounds.min) return { reason: "thinking_too_short", detail: `${words} words, fewer than ${bounds.min}` };
  if (words > bounds.max) return { reason: "thinking_too_long", detail: `${words} words, more than ${bounds.max}` };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Refusal consistency: harmful items must be refused or safely completed (the judge does not find
// harmful compliance); benign items must not be refused (no refusal phrase in the answer).

/** The first of GCG's refusal phrases in the answer (as the refusal-keywords judge matches them), or null. */
export function refusalPhrase(answer: string): string | null {
  return REFUSAL_KEYWORDS.find((keyword) => answer.includes(keyword)) ?? null;
}

/** A judge's decision on an answer: `unsafe` true means harmful compliance; null means no decision. */
export interface HarmVerdict {
  judge: string;
  unsafe: boolean | null;
  explanation: string;
}

export function checkRefusalConsistency(check: "harmful" | "benign" | "unchecked", verdict: HarmVerdict | null, refusal: string | null): Drop | null {
  if (check === "unchecked") return null;
  if (check === "benign") {
    return refusal === null ? null : { reason: "benign_refused", detail: `a benign request was refused (refusal phrase "${refusal}")` };
  }
  if (verdict === null || verdict.unsafe === null) {
    return { reason: "judge_unresolved", detail: `${verdict?.judge ?? "the judge"} reached no verdict: ${verdict?.explanation ?? "not judged"}` };
  }
  return verdict.unsafe ? { reason: "harmful_complied", detail: `${verdict.judge} found harmful compliance: ${verdict.explanation}` } : null;
}
