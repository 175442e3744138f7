// Splits a chat completion into the model's thinking and its answer, which the study judges
// separately. Pure functions: no I/O, the same message always gives the same split. The rules are
// data (markup rules of a model profile, src/models/profiles/); nothing here knows a family.
//
// Precedence, first match wins:
//   1. `message.reasoning` (vLLM ≥ 0.9, OpenRouter), if non-empty; thinking blocks left in `content`
//      are moved to the thinking too, unless they repeat the field, and answer markers are removed.
//   2. `message.reasoning_content` (older vLLM, DeepSeek API, SGLang), if non-empty; the same.
//   3. The first rule, of the profile's then the generic ones (`<think>` tags, LLaVA-CoT's stages),
//      whose markers the content holds (a prefilled rule always applies).
//   4. Otherwise no thinking: the whole content is the answer (reasoning_source "none").
//
// Everywhere: no text is dropped but markers (text outside known blocks stays in the answer, or in
// the thinking for rules whose thinking runs up to the answer marker); thinking is null when there
// is no thinking text (an empty think block included); reasoningSource names the rule that split
// the response; thinking and answer are trimmed and several pieces are joined with a blank line,
// their inner text untouched. thinkingComplete is false when the thinking never reached its end: a
// thinking block left open (cut off by max_tokens or stopped there; finishReason tells which), no
// answer marker for a rule that needs one, or a reasoning field with no answer and finish_reason
// "length" (the server hides the closing marker).
import type { DialogueTurn, MarkupRule } from "./profile.ts";
import { GENERIC_RULES } from "./profiles/rules.ts";

/** The rule that split a response (a markup rule's id, a reasoning field, a dialogue) or "none". */
export type ReasoningSource = string;

export interface SplitResponse {
  thinking: string | null;
  answer: string;
  reasoningSource: ReasoningSource;
  thinkingComplete: boolean;
}

export interface ChatMessageText {
  content?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
}

/** Thinking and answer text in the order found, before joining. */
interface Parts {
  thinking: string[];
  answer: string[];
  thinkingComplete: boolean;
  source: string;
}

const PIECE_SEPARATOR = "\n\n";

// A fence line right before a thinking opener wraps the block, not the answer.
const FENCE_BEFORE_TAG = /(?:^|\n)[ \t]*```[\w+-]*\s*$/;
// Its bare closing fence right after the closer; removed only for a fenced block, because an
// answer may itself start with a code fence.
const FENCE_AFTER_TAG = /^\s*```[ \t]*(?=\n|$)/;

/**
 * Thinking and answer of one reply. `rules` are the profile's, tried before the generic ones
 * (default: the generic ones alone, thinksafe's behaviour without a profile).
 */
export function splitThinking(message: ChatMessageText, finishReason?: string | null, rules: readonly MarkupRule[] = []): SplitResponse {
  const content = message.content ?? "";
  const ordered = withGenericRules(rules);
  const reasoningField = nonEmpty(message.reasoning)
    ? { text: message.reasoning, source: "reasoning" }
    : nonEmpty(message.reasoning_content)
      ? { text: message.reasoning_content, source: "reasoning_content" }
      : null;
  if (reasoningField) return splitWithReasoningField(reasoningField.text, reasoningField.source, content, finishReason, ordered);
  for (const rule of ordered) {
    const parts = scan(content, rule, false);
    if (parts) return joinParts(parts);
  }
  return { thinking: null, answer: content.trim(), reasoningSource: "none", thinkingComplete: true };
}

/** One turn of a dialogue as answered. */
export interface TurnReply {
  message: ChatMessageText;
  finishReason: string | null;
}

/**
 * A dialogue the authors run in turns (LlamaV-o1): the replies to thinking turns are the thinking,
 * each under its turn's heading; the reply to the answer turn is split like any reply (thinking
 * blocks in it join the thinking). Complete when every reply finished on its own and its split is.
 */
export function splitDialogue(
  replies: readonly TurnReply[],
  turns: readonly Pick<DialogueTurn, "role" | "heading">[],
  source: string,
  rules: readonly MarkupRule[] = [],
): SplitResponse {
  if (replies.length !== turns.length) throw new Error(`a dialogue of ${turns.length} turns has ${replies.length} replies`);
  const thinking: string[] = [];
  let answer = "";
  let complete = true;
  replies.forEach((reply, i) => {
    const turn = turns[i]!;
    const split = splitThinking(reply.message, reply.finishReason, rules);
    complete &&= split.thinkingComplete && (turn.role === "answer" || reply.finishReason !== "length");
    if (turn.role === "thinking") {
      const text = joinPieces([split.thinking ?? "", split.answer]);
      if (text !== "") thinking.push(turn.heading ? `${turn.heading}:\n${text}` : text);
    } else {
      if (split.thinking) thinking.push(split.thinking);
      answer = split.answer;
    }
  });
  const joined = joinPieces(thinking);
  return { thinking: joined === "" ? null : joined, answer, reasoningSource: source, thinkingComplete: complete };
}

/** The profile's rules, then the generic ones it does not list already (records are copies: compared by content). */
function withGenericRules(rules: readonly MarkupRule[]): readonly MarkupRule[] {
  if (rules.length === 0) return GENERIC_RULES;
  const listed = new Set(rules.map(ruleText));
  return [...rules, ...GENERIC_RULES.filter((rule) => !listed.has(ruleText(rule)))];
}

const ruleTexts = new WeakMap<MarkupRule, string>();
function ruleText(rule: MarkupRule): string {
  let text = ruleTexts.get(rule);
  if (text === undefined) ruleTexts.set(rule, (text = JSON.stringify(rule)));
  return text;
}

/** The server already split the response; thinking blocks still in the content are thinking too. */
function splitWithReasoningField(
  reasoning: string,
  source: string,
  content: string,
  finishReason: string | null | undefined,
  rules: readonly MarkupRule[],
): SplitResponse {
  let leftover: Parts = { thinking: [], answer: [content], thinkingComplete: true, source };
  for (const rule of rules) {
    const parts = scan(content, rule, true);
    if (parts) {
      leftover = parts;
      break;
    }
  }
  // Some servers both parse the thinking out and leave it in the content: keep one copy.
  const extraThinking = leftover.thinking.filter((piece) => piece.trim() !== reasoning.trim());
  const split = joinParts({ ...leftover, thinking: [reasoning, ...extraThinking], source });
  // The server hides the closing marker; an empty answer cut off by max_tokens means it never came.
  const cutOffWhileThinking = split.answer === "" && finishReason === "length";
  return { ...split, thinkingComplete: split.thinkingComplete && !cutOffWhileThinking };
}

type MarkerKind = "open" | "close" | "answer_open" | "answer_close" | "implicit_close" | "cue";

interface Marker {
  kind: MarkerKind;
  /** The thinking block an open or close marker belongs to. */
  block: number;
}

interface Match extends Marker {
  index: number;
  end: number;
}

interface CompiledRule {
  pattern: RegExp;
  /** Capture group n + 1 is markers[n]. */
  markers: Marker[];
  strip: RegExp | null;
}

const compiled = new WeakMap<MarkupRule, CompiledRule>();

/** A marker as a pattern: literal text, a space matching any run of whitespace. */
function markerSource(marker: string): string {
  return marker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ +/g, "\\s*");
}

function compile(rule: MarkupRule): CompiledRule {
  const cached = compiled.get(rule);
  if (cached) return cached;
  const entries: Array<Marker & { text: string }> = [];
  rule.thinking.forEach((block, i) => {
    for (const text of block.open) entries.push({ kind: "open", block: i, text });
    for (const text of block.close) entries.push({ kind: "close", block: i, text });
  });
  for (const text of rule.answer?.open ?? []) entries.push({ kind: "answer_open", block: -1, text });
  for (const text of rule.answer?.close ?? []) entries.push({ kind: "answer_close", block: -1, text });
  for (const text of rule.implicit_close) entries.push({ kind: "implicit_close", block: -1, text });
  for (const text of rule.cues) entries.push({ kind: "cue", block: -1, text });
  // Longest first, so that `**<think>**` wins over `<think>` and `<answer> Final Answer:` over `<answer>`.
  entries.sort((a, b) => b.text.length - a.text.length);
  const flags = `g${rule.ignore_case ? "i" : ""}`;
  const result: CompiledRule = {
    pattern: new RegExp(entries.map((e) => `(${markerSource(e.text)})`).join("|"), flags),
    markers: entries.map(({ kind, block }) => ({ kind, block })),
    strip: rule.strip.length ? new RegExp(rule.strip.map(markerSource).join("|"), flags) : null,
  };
  compiled.set(rule, result);
  return result;
}

function matchesOf(content: string, rule: MarkupRule): Match[] {
  const { pattern, markers } = compile(rule);
  const matches: Match[] = [];
  for (const m of content.matchAll(pattern)) {
    const group = m.findIndex((g, i) => i > 0 && g !== undefined);
    matches.push({ ...markers[group - 1]!, index: m.index, end: m.index + m[0].length });
  }
  // An answer that runs to the end starts at the last opener; earlier ones are text of the thinking.
  if (rule.answer && rule.answer.close.length === 0) {
    const last = lastIndex(matches, (m) => m.kind === "answer_open");
    return matches.filter((m, i) => m.kind !== "answer_open" || i === last);
  }
  return matches;
}

type State = { kind: "outside" } | { kind: "thinking"; block: number; fenced: boolean } | { kind: "answer" };

/**
 * The reply's thinking and answer under `rule`, or null when the rule does not apply (none of its
 * markers is in the content and it is not prefilled). `afterField`: the server has taken the
 * thinking out already, so the content starts outside any block and is answer unless marked.
 */
function scan(content: string, rule: MarkupRule, afterField: boolean): Parts | null {
  const matches = matchesOf(content, rule);
  const prefilled = rule.prefilled && !afterField;
  if (!prefilled && !matches.some((m) => m.kind !== "implicit_close")) return null;
  const outsideGoesToThinking = rule.outside === "thinking" && !afterField;

  // Where the last closer of each block is: an opener inside a block that is closed later is text.
  const lastClose = rule.thinking.map((_, b) => lastIndex(matches, (m) => m.kind === "close" && m.block === b));
  const thinking: string[] = [];
  const answer: string[] = [];
  let answered = false;
  let endedByToolCall = false;
  let state: State = prefilled ? { kind: "thinking", block: 0, fenced: false } : { kind: "outside" };
  let cursor = 0;

  const addThinking = (text: string, block: number) => {
    const heading = rule.thinking[block]?.heading;
    thinking.push(heading && text.trim() !== "" ? `${heading}:\n${text.trim()}` : text);
  };
  const addOutside = (text: string) => (outsideGoesToThinking && !answered ? thinking : answer).push(text);

  for (const [i, m] of matches.entries()) {
    const before = content.slice(cursor, m.index);
    if (state.kind === "thinking") {
      const closedLater = lastClose[state.block]! > i;
      if (m.kind === "close") {
        addThinking(before, state.block);
        cursor = m.end;
        const fence = state.fenced ? FENCE_AFTER_TAG.exec(content.slice(cursor)) : null;
        if (fence) cursor += fence[0].length;
        state = { kind: "outside" };
      } else if (m.kind === "open" && (m.block === state.block || !closedLater)) {
        // The same opener again is markup; another block's opener ends a block never closed.
        addThinking(before, state.block);
        cursor = m.end;
        state = { kind: "thinking", block: m.block, fenced: false };
      } else if (m.kind === "answer_open" && !closedLater) {
        addThinking(before, state.block);
        cursor = m.end;
        state = { kind: "answer" };
        answered = true;
      } else if (m.kind === "implicit_close" && !closedLater) {
        addThinking(before, state.block);
        cursor = m.index; // the marker itself is the start of the answer
        state = { kind: "outside" };
        endedByToolCall = true;
      }
      // Anything else inside a thinking block is its text.
    } else if (state.kind === "outside") {
      if (m.kind === "open") {
        const fence = FENCE_BEFORE_TAG.exec(before);
        addOutside(fence ? before.slice(0, fence.index) : before);
        cursor = m.end;
        state = { kind: "thinking", block: m.block, fenced: fence !== null };
      } else if (m.kind === "close") {
        // A closer without an opener closes a block that began at the start (the chat template
        // wrote the opener) or at the end of the previous block.
        addThinking(before, m.block);
        cursor = m.end;
      } else if (m.kind === "answer_open") {
        addOutside(before);
        cursor = m.end;
        state = { kind: "answer" };
        answered = true;
      } else if (m.kind === "answer_close") {
        answer.push(before);
        cursor = m.end;
        answered = true;
      }
    } else if (m.kind === "answer_open" || m.kind === "answer_close") {
      answer.push(before);
      cursor = m.end;
      if (m.kind === "answer_close") state = { kind: "outside" };
    } else if (m.kind === "open") {
      answer.push(before);
      cursor = m.end;
      state = { kind: "thinking", block: m.block, fenced: false };
    }
  }
  const rest = content.slice(cursor);
  if (state.kind === "thinking") addThinking(rest, state.block);
  else if (state.kind === "answer") answer.push(rest);
  else addOutside(rest);

  const strip = compile(rule).strip;
  return {
    thinking,
    answer: strip ? answer.map((piece) => piece.replace(strip, "")) : answer,
    thinkingComplete: state.kind !== "thinking" && (rule.outside === "answer" || afterField || answered),
    source: endedByToolCall ? `${rule.id}+tool_call` : rule.id,
  };
}

function joinParts(parts: Parts): SplitResponse {
  const thinking = joinPieces(parts.thinking);
  return {
    thinking: thinking === "" ? null : thinking,
    answer: joinPieces(parts.answer),
    reasoningSource: parts.source,
    thinkingComplete: parts.thinkingComplete,
  };
}

function joinPieces(pieces: string[]): string {
  return pieces
    .map((piece) => piece.trim())
    .filter((piece) => piece !== "")
    .join(PIECE_SEPARATOR);
}

function lastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i]!)) return i;
  return -1;
}

function nonEmpty(text: string | null | undefined): text is string {
  return typeof text === "string" && text.trim() !== "";
}
