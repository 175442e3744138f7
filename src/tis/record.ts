// The normalised fine-tuning record that every TiS input becomes — the released Think-in-Safety
// file and the baseline sets (VLGuard train, SPA-VL, MIS) alike — and the pure rules that fill it:
// thinking and answer split by the project's one splitter (src/models/thinking.ts), the markup
// variant it was written in, where the image comes from, and whether the answer is a refusal.
import { splitThinking } from "../models/thinking.ts";
import type { TrainingSource } from "../benchmarks/training-sets.ts";

/** Which file the record came from: the TiS release or one of the baseline sets. */
export type TisDataset = "tis" | TrainingSource;

/** Whose image the record shows. TiS reuses VLGuard's training images and SPA-VL's. */
export type ImageSource = "vlguard" | "spa-vl" | "mis" | "unknown";

/**
 * How the thinking was marked up in the input, so odd variants stay visible after normalising:
 * - `think_tags`: `<think>…</think>answer`, as TiS writes it;
 * - `think_tags_no_open`: `…</think>answer`, the opening tag missing (a chat template emitted it);
 * - `thinking_tags`: `<thinking>…</thinking>`;
 * - `bold_think_tags`: `**<think>**…**</think>**`;
 * - `stage_tags`: LLaVA-CoT's `<SUMMARY>`, `<CAPTION>`, `<REASONING>`, then `<CONCLUSION>` (the answer);
 * - `none`: no thinking markup; the whole text is the answer (the baseline sets' plain answers).
 */
export type ThinkingFormat = "think_tags" | "think_tags_no_open" | "thinking_tags" | "bold_think_tags" | "stage_tags" | "none";

export interface TisRecord {
  /** `<dataset>/<id within it>`: `tis/3` (TiS has no ids, so its 1-based position), `vlguard-train/Ads_1/safe_unsafe`. */
  id: string;
  dataset: TisDataset;
  /** 1-based position among the input's records: the release's record (row) number; a baseline item's place in its set. */
  index: number;
  source: ImageSource;
  /** The harm category where the input gives one (SPA-VL's taxonomy path, a baseline's category), else null. */
  category: string | null;
  /** The user's question, without `<image>` placeholders. */
  question: string;
  /** Image paths as the input gives them, relative to the images folder (TiS) or the data folder (baselines). */
  images: string[];
  /** The thought process; null when there is none. */
  thinking: string | null;
  answer: string;
  thinkingFormat: ThinkingFormat;
  /** Whether the answer opens with a refusal (see `opensWithRefusal`). */
  isRefusal: boolean;
  /** Whether the request is harmful, when the input labels it (VLGuard does; TiS, SPA-VL and MIS do not). */
  isHarmfulRequest: boolean | null;
}

/** The `<image>` placeholder of LLaVA / LLaMA-Factory prompts. */
export const IMAGE_TOKEN = "<image>";

/** The question without its `<image>` placeholders, and how many there were. */
export function stripImageTokens(text: string): { question: string; imageTokens: number } {
  const imageTokens = text.split(IMAGE_TOKEN).length - 1;
  return { question: text.replaceAll(IMAGE_TOKEN, "").trim(), imageTokens };
}

/**
 * Thinking and answer of an assistant turn, and the markup they came in. Returns null when no
 * answer is left after the thinking (an unclosed think block, LLaVA-CoT stages without CONCLUSION):
 * such a turn cannot teach an answer.
 */
export function splitAssistantTurn(text: string): { thinking: string | null; answer: string; format: ThinkingFormat } | null {
  const split = splitThinking({ content: text });
  if (split.answer === "" || !split.thinkingComplete) return null;
  return { thinking: split.thinking, answer: split.answer, format: markupOf(text, split.reasoningSource) };
}

function markupOf(text: string, source: string): ThinkingFormat {
  if (source === "structured_tags") return "stage_tags";
  if (source !== "think_tags") return "none";
  const firstTag = /\*\*<\/?think(?:ing)?>\*\*|<\/?think(?:ing)?>/i.exec(text)?.[0] ?? "";
  if (firstTag.includes("</")) return "think_tags_no_open";
  if (/\*\*<\/?think(?:ing)?>\*\*/i.test(text)) return "bold_think_tags";
  if (/<\/?thinking>/i.test(text)) return "thinking_tags";
  return "think_tags";
}

// A refusal says so in its first words ("I'm sorry, but I can't…", "No, I cannot provide…").
// Curly and straight apostrophes both occur in TiS.
const REFUSAL_OPENING =
  /^(?:no[,.]\s*)?(?:i(?:['’]m| am) (?:really |very )?sorry|sorry|(?:my )?apologies|i apologi[sz]e|unfortunately,? i|i (?:cannot|can['’]t|can not|won['’]t|will not|must (?:decline|refuse)|(?:am|['’]m) (?:unable|not able) to|do not (?:feel comfortable|provide)|don['’]t (?:feel comfortable|provide)))\b/i;

/**
 * Whether an answer opens with a refusal phrase. A heuristic for describing a data set's make-up
 * (how many answers refuse), not a safety verdict: an answer that helps first and declines later
 * counts as not refusing, and the judges (src/judges/) decide what is safe.
 */
export function opensWithRefusal(answer: string): boolean {
  // The simulator opens everything it writes with its label; what follows is the answer.
  return REFUSAL_OPENING.test(answer.trimStart().replace(/^\[simulated\]\s*/, "").replace(/^[*_"“]+/, ""));
}

// VLGuard's image folders (its train.json and test.json use the same ones); TiS keeps them.
const VLGUARD_FOLDERS = new Set(["bad_ads", "HOD", "hatefulMemes", "privacyAlert", "harm-p"]);

/**
 * Where a TiS image comes from, and its harm category, from its path: VLGuard's folders
 * (`images/bad_ads/….png`) carry no category; SPA-VL's paths are its three-level harm taxonomy
 * (`images/Malicious Use/Fraud or deceptive action/financial fraud/31.jpg`), kept as the category.
 */
export function imageOrigin(path: string): { source: ImageSource; category: string | null } {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  const folders = (parts[0] === "images" ? parts.slice(1) : parts).slice(0, -1);
  if (folders.length > 0 && VLGUARD_FOLDERS.has(folders[0]!)) return { source: "vlguard", category: null };
  if (folders.length === 3) return { source: "spa-vl", category: folders.join("/") };
  return { source: "unknown", category: null };
}

/**
 * The assistant turn a record trains: `<think>\nthinking\n</think>\nanswer`, TiS's own layout.
 *
 * A record without thinking (the baseline sets' plain answers) gets an EMPTY think block,
 * `<think>\n\n</think>\nanswer`, unless `plainAnswers` is set. Why empty rather than a templated
 * thought: the reasoning models the study fine-tunes always open their reply with a think block,
 * so the empty block keeps the reply in the form their chat templates and parsers expect, without
 * putting words in their mouth — a fixed "this request is harmful…" sentence would be safety
 * reasoning the baseline sets do not contain, blurring the very comparison (plain safety answers vs.
 * TiS's safety reasoning) the study makes. Models trained on it may learn to skip thinking; the
 * study's thinking-retention measure reports exactly that.
 */
export function assistantText(record: Pick<TisRecord, "thinking" | "answer">, options: { plainAnswers?: boolean } = {}): string {
  if (record.thinking === null && options.plainAnswers) return record.answer;
  return `<think>\n${record.thinking ?? ""}\n</think>\n${record.answer}`;
}

/** The user turn with one `<image>` placeholder per image, in front, as TiS writes it. */
export function userText(record: Pick<TisRecord, "question" | "images">): string {
  return `${IMAGE_TOKEN.repeat(record.images.length)}${record.question}`;
}
