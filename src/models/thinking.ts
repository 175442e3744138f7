// Splits a chat completion into the model's thinking and its answer, which the study judges
// separately. Pure functions: no I/O, the same message always gives the same split.
//
// Precedence, first match wins:
//   1. `message.reasoning` (vLLM ≥ 0.9, OpenRouter), if non-empty; think blocks left in `content`
//      are moved to the thinking too, unless they repeat the field.
//   2. `message.reasoning_content` (older vLLM, DeepSeek API, SGLang), if non-empty; the same.
//   3. `<think>…</think>` / `<thinking>…</thinking>` in `content` (any case, also `**<think>**`).
//   4. LLaVA-CoT's `<SUMMARY>`, `<CAPTION>`, `<REASONING>` then `<CONCLUSION>` in `content`.
//   5. Otherwise no thinking: the whole content is the answer.
//
// Everywhere: thinking is null when there is no thinking text (an empty think block included);
// reasoningSource names the markup that split the response; thinking and answer are trimmed and
// several blocks are joined with a blank line, their inner text untouched. thinkingComplete is
// false when the thinking never reached its end: an unclosed think tag or no CONCLUSION stage
// (whether cut off by max_tokens or stopped there; finishReason tells which), or a reasoning
// field with no answer and finish_reason "length" (the server hides the closing marker).

export type ReasoningSource = "reasoning" | "reasoning_content" | "think_tags" | "structured_tags" | "none";

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
}

const PIECE_SEPARATOR = "\n\n";

// `**<think>**` is matched as a unit only when bold on both sides, so an italic `*` that starts
// the thinking text stays in it. `<think>` and `<thinking>` may close each other.
const THINK_TAG = /\*\*<(\/?)think(?:ing)?>\*\*|<(\/?)think(?:ing)?>/gi;

// A fence line right before an opening tag wraps the think block, not the answer.
const FENCE_BEFORE_TAG = /(?:^|\n)[ \t]*```[\w+-]*\s*$/;
// Its bare closing fence right after the closing tag; removed only for a fenced block, because
// an answer may itself start with a code fence.
const FENCE_AFTER_TAG = /^\s*```[ \t]*(?=\n|$)/;

// Uppercase only, as LLaVA-CoT writes them: lowercase `<summary>` and `<caption>` are HTML
// elements an answer may contain.
const STAGE_TAG = /<(\/?)(SUMMARY|CAPTION|REASONING|CONCLUSION)>/g;
const STAGE_HEADINGS: Record<string, string> = {
  SUMMARY: "Summary",
  CAPTION: "Caption",
  REASONING: "Reasoning",
};

export function splitThinking(message: ChatMessageText, finishReason?: string | null): SplitResponse {
  const content = message.content ?? "";
  const reasoningField = nonEmpty(message.reasoning)
    ? { text: message.reasoning, source: "reasoning" as const }
    : nonEmpty(message.reasoning_content)
      ? { text: message.reasoning_content, source: "reasoning_content" as const }
      : null;
  if (reasoningField) return splitWithReasoningField(reasoningField.text, reasoningField.source, content, finishReason);

  const thinkParts = scanThinkTags(content);
  if (thinkParts) return joinParts(thinkParts, "think_tags");
  const stageParts = scanStructuredStages(content);
  if (stageParts) return joinParts(stageParts, "structured_tags");
  return { thinking: null, answer: content.trim(), reasoningSource: "none", thinkingComplete: true };
}

/** The server already split the response; any think block still in the content is thinking too. */
function splitWithReasoningField(
  reasoning: string,
  source: "reasoning" | "reasoning_content",
  content: string,
  finishReason: string | null | undefined,
): SplitResponse {
  const leftover = scanThinkTags(content) ?? { thinking: [], answer: [content], thinkingComplete: true };
  // Some servers both parse the thinking out and leave it in the content: keep one copy.
  const extraThinking = leftover.thinking.filter((piece) => piece.trim() !== reasoning.trim());
  const parts: Parts = { ...leftover, thinking: [reasoning, ...extraThinking] };
  const split = joinParts(parts, source);
  // The server hides the closing marker; an empty answer cut off by max_tokens means it never came.
  const cutOffWhileThinking = split.answer === "" && finishReason === "length";
  return { ...split, thinkingComplete: split.thinkingComplete && !cutOffWhileThinking };
}

/**
 * Think blocks in the content, or null when it has no think tag. A closing tag with no opening
 * one closes a block that began at the start of the content (the chat template emitted the opening
 * tag) or at the end of the previous block. An unclosed block runs to the end of the content.
 */
function scanThinkTags(content: string): Parts | null {
  const thinking: string[] = [];
  const answer: string[] = [];
  let cursor = 0;
  let insideBlock = false;
  let fencedBlock = false;
  let foundTag = false;
  for (const tag of content.matchAll(THINK_TAG)) {
    foundTag = true;
    const isClosing = (tag[1] ?? tag[2]) === "/";
    const before = content.slice(cursor, tag.index);
    cursor = tag.index + tag[0].length;
    if (isClosing) {
      thinking.push(before);
      const closingFence = fencedBlock ? FENCE_AFTER_TAG.exec(content.slice(cursor)) : null;
      if (closingFence) cursor += closingFence[0].length;
      insideBlock = false;
    } else if (insideBlock) {
      thinking.push(before); // a repeated opening tag is markup, not text
    } else {
      const openingFence = FENCE_BEFORE_TAG.exec(before);
      fencedBlock = openingFence !== null;
      answer.push(openingFence ? before.slice(0, openingFence.index) : before);
      insideBlock = true;
    }
  }
  if (!foundTag) return null;
  (insideBlock ? thinking : answer).push(content.slice(cursor));
  return { thinking, answer, thinkingComplete: !insideBlock };
}

/**
 * LLaVA-CoT's stages, or null when the content has none. Stages before CONCLUSION are thinking,
 * under plain-text headings; CONCLUSION and anything after it is the answer. Text outside the
 * stages stays on its side of the conclusion, so nothing the model wrote is dropped.
 */
function scanStructuredStages(content: string): Parts | null {
  const thinking: string[] = [];
  const answer: string[] = [];
  let cursor = 0;
  let stage: string | null = null;
  let concluded = false;
  let foundTag = false;
  const addPiece = (text: string) => {
    if (concluded) answer.push(text);
    else {
      const heading = stage ? STAGE_HEADINGS[stage] : undefined;
      thinking.push(heading && text.trim() !== "" ? `${heading}:\n${text.trim()}` : text);
    }
  };
  for (const tag of content.matchAll(STAGE_TAG)) {
    foundTag = true;
    addPiece(content.slice(cursor, tag.index));
    cursor = tag.index + tag[0].length;
    const isClosing = tag[1] === "/";
    stage = isClosing ? null : (tag[2] ?? null);
    if (stage === "CONCLUSION") concluded = true;
  }
  if (!foundTag) return null;
  addPiece(content.slice(cursor));
  return { thinking, answer, thinkingComplete: concluded };
}

function joinParts(parts: Parts, reasoningSource: ReasoningSource): SplitResponse {
  const thinking = joinPieces(parts.thinking);
  return {
    thinking: thinking === "" ? null : thinking,
    answer: joinPieces(parts.answer),
    reasoningSource,
    thinkingComplete: parts.thinkingComplete,
  };
}

function joinPieces(pieces: string[]): string {
  return pieces
    .map((piece) => piece.trim())
    .filter((piece) => piece !== "")
    .join(PIECE_SEPARATOR);
}

function nonEmpty(text: string | null | undefined): text is string {
  return typeof text === "string" && text.trim() !== "";
}
