// OpenAI fine-tuning chat JSONL: one `{"messages": [...]}` per line, the images as base64 data URIs
// in `image_url` parts of the user turn, and the assistant turn the text `<think>…</think>answer`, so
// the thinking is trained. `checkOpenAiLine` checks a line against the API's documented rules, as
// found in OpenAI's docs (guides "Supervised fine-tuning" / "Vision fine-tuning", API reference
// "Fine-tuning › Training format for chat models", "Files › Upload"):
//   - a line is one JSON object whose keys are `messages` (required) and optionally `tools`,
//     `parallel_tool_calls`, `functions`;
//   - roles are system, user, assistant, tool or function; content is text, and only user
//     turns may hold `image_url` parts ("you cannot include images as output from messages with the
//     assistant role"); assistant content must be text; `weight` (0 or 1) only on assistant turns;
//   - there is an assistant turn, and the last turn is the assistant's (the one trained);
//   - at most 10 images per example, each at most 10 MB, JPEG, PNG or WebP, in RGB or RGBA mode;
//   - an example fits the model's training context: 65,536 tokens for gpt-4o-2024-08-06 and
//     gpt-4o-mini-2024-07-18 (longer examples are truncated).
// And per file (checked by the writer, export.ts): at most 512 MB (the Files API's limit), at most
// 50,000 examples with images, at least 10 examples.
//
// Token counts are an APPROXIMATION (no tokenizer is available offline): text counts one token per
// 3 UTF-8 bytes (o200k averages about 4 for English, so this overestimates), plus 3 per message and 3
// for the reply; an image counts as at `detail: "high"`: 85 + 170 per 512-px tile after fitting it
// in 2048×2048 and scaling its shortest side down to 768 (OpenAI's published formula).
import { assistantText, type TisRecord } from "./record.ts";
import { imageFacts, MIME, OPENAI_IMAGE_RULES, megabytes, type PreparedImage } from "./images.ts";

export const OPENAI_LIMITS = {
  maxImagesPerExample: 10,
  maxImageBytes: OPENAI_IMAGE_RULES.maxBytes,
  maxTokensPerExample: 65_536,
  maxFileBytes: 512 * 1024 * 1024,
  maxImageExamplesPerFile: 50_000,
  minExamplesPerFile: 10,
} as const;

export type OpenAiLimits = { [K in keyof typeof OPENAI_LIMITS]: number };

type TextPart = { type: "text"; text: string };
type ImagePart = { type: "image_url"; image_url: { url: string; detail?: "low" | "high" | "auto" } };
export type OpenAiMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | Array<TextPart | ImagePart> }
  | { role: "assistant"; content: string; weight?: 0 | 1 };

export interface OpenAiExample {
  messages: OpenAiMessage[];
}

/** One training example: the images, then the question, from the user; the thinking and answer from the assistant. */
export function openAiExample(record: TisRecord, images: readonly PreparedImage[], options: { plainAnswers?: boolean; system?: string } = {}): OpenAiExample {
  const parts: Array<TextPart | ImagePart> = [
    ...images.map((image): ImagePart => ({ type: "image_url", image_url: { url: `data:${MIME[image.format]};base64,${image.bytes.toString("base64")}` } })),
    { type: "text", text: record.question },
  ];
  return {
    messages: [
      ...(options.system ? [{ role: "system" as const, content: options.system }] : []),
      { role: "user", content: images.length > 0 ? parts : record.question },
      { role: "assistant", content: assistantText(record, options) },
    ],
  };
}

const LINE_KEYS = new Set(["messages", "tools", "parallel_tool_calls", "functions"]);
const ROLES = new Set(["system", "user", "assistant", "tool", "function"]);
const MESSAGE_KEYS = new Set(["role", "content", "name", "weight", "tool_calls", "function_call", "tool_call_id", "refusal"]);
const DATA_URI_PREFIX = /^data:(image\/[a-z+.-]+);base64,/;

export interface LineCheck {
  problems: string[];
  /** The approximate token count (see the header); null when the line is not an example at all. */
  tokens: number | null;
  images: number;
}

/** Checks one JSONL line against the rules above; an empty problem list means it passes. */
export function checkOpenAiLine(line: string, limits: OpenAiLimits = OPENAI_LIMITS): LineCheck {
  if (line.includes("\n")) return { problems: ["the line contains a newline: JSONL needs one example per line"], tokens: null, images: 0 };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problems: [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`], tokens: null, images: 0 };
  }
  return checkOpenAiExample(value, limits);
}

export function checkOpenAiExample(value: unknown, limits: OpenAiLimits = OPENAI_LIMITS): LineCheck {
  if (!isRecord(value)) return { problems: ["expected a JSON object {\"messages\": [...]}"], tokens: null, images: 0 };
  const problems: string[] = [];
  for (const key of Object.keys(value)) if (!LINE_KEYS.has(key)) problems.push(`unknown key "${key}" (allowed: ${[...LINE_KEYS].join(", ")})`);
  const messages = value.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return { problems: [...problems, "messages: expected a non-empty array"], tokens: null, images: 0 };
  }
  let tokens = 3;
  let images = 0;
  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    if (!isRecord(message)) return void problems.push(`${at}: expected an object {role, content}`);
    tokens += 3;
    for (const key of Object.keys(message)) if (!MESSAGE_KEYS.has(key)) problems.push(`${at}: unknown key "${key}"`);
    const role = message.role;
    if (typeof role !== "string" || !ROLES.has(role)) problems.push(`${at}.role: ${JSON.stringify(role)} is not one of ${[...ROLES].join(", ")}`);
    if ("weight" in message && (role !== "assistant" || (message.weight !== 0 && message.weight !== 1))) {
      problems.push(`${at}.weight: only assistant messages take a weight, and it must be 0 or 1`);
    }
    const content = message.content;
    if (role === "assistant") {
      if (typeof content !== "string" || content.trim() === "") {
        problems.push(`${at}.content: assistant content must be non-empty text${Array.isArray(content) ? " (not parts: images cannot be assistant output)" : ""}`);
      } else {
        tokens += textTokens(content);
      }
      return;
    }
    if (typeof content === "string") {
      tokens += textTokens(content);
      return;
    }
    if (!Array.isArray(content) || content.length === 0) return void problems.push(`${at}.content: expected text or a non-empty array of parts`);
    content.forEach((part, j) => {
      const partAt = `${at}.content[${j}]`;
      if (isRecord(part) && part.type === "text" && typeof part.text === "string") {
        tokens += textTokens(part.text);
      } else if (isRecord(part) && part.type === "image_url") {
        images++;
        if (role !== "user") problems.push(`${partAt}: images are allowed in user messages only`);
        const checked = checkImagePart(part, partAt, limits);
        problems.push(...checked.problems);
        tokens += checked.tokens;
      } else {
        problems.push(`${partAt}: expected {"type": "text", "text": …} or {"type": "image_url", "image_url": {"url": …}}`);
      }
    });
  });
  const roles = messages.map((m) => (isRecord(m) ? m.role : undefined));
  if (!roles.includes("assistant")) problems.push("messages: no assistant message to train on");
  else if (roles.at(-1) !== "assistant") problems.push(`messages: the last message must be the assistant's, found ${JSON.stringify(roles.at(-1))}`);
  if (images > limits.maxImagesPerExample) problems.push(`messages: ${images} images; at most ${limits.maxImagesPerExample} per example`);
  if (tokens > limits.maxTokensPerExample) problems.push(`messages: about ${tokens.toLocaleString("en-US")} tokens; at most ${limits.maxTokensPerExample.toLocaleString("en-US")} per example`);
  return { problems, tokens, images };
}

function checkImagePart(part: Record<string, unknown>, at: string, limits: OpenAiLimits): { problems: string[]; tokens: number } {
  const imageUrl = part.image_url;
  if (!isRecord(imageUrl) || typeof imageUrl.url !== "string") return { problems: [`${at}.image_url: expected {"url": …}`], tokens: 0 };
  const detail = imageUrl.detail;
  if (detail !== undefined && detail !== "low" && detail !== "high" && detail !== "auto") return { problems: [`${at}.image_url.detail: must be low, high or auto`], tokens: 0 };
  const url = imageUrl.url;
  if (/^https?:\/\//.test(url)) return { problems: [], tokens: detail === "low" ? 85 : imageTokens(768, 2048) };
  const match = DATA_URI_PREFIX.exec(url);
  const payload = match ? url.slice(match[0].length) : "";
  const bytes = Buffer.from(payload, "base64");
  // Node's decoder skips characters outside base64; encoding back shows whether any were there.
  if (!match || bytes.toString("base64") !== payload) {
    return { problems: [`${at}.image_url.url: expected an http(s) URL or a data:image/…;base64,… URI`], tokens: 0 };
  }
  const facts = imageFacts(bytes);
  const problems: string[] = [];
  if (!(["jpeg", "png", "webp"] as string[]).includes(facts.format)) problems.push(`${at}: the image is ${facts.format}; JPEG, PNG or WebP only`);
  else if (MIME[facts.format as "png"] !== match[1]) problems.push(`${at}: the data URI says ${match[1]} but the bytes are ${facts.format}`);
  else if (facts.colorMode !== "RGB" && facts.colorMode !== "RGBA") problems.push(`${at}: the image is in ${facts.colorMode} mode; RGB or RGBA only`);
  if (bytes.length > limits.maxImageBytes) problems.push(`${at}: the image is ${megabytes(bytes.length)}; at most ${megabytes(limits.maxImageBytes)}`);
  const tokens = detail === "low" ? 85 : facts.width && facts.height ? imageTokens(facts.width, facts.height) : imageTokens(768, 2048);
  return { problems, tokens };
}

/** Approximate text tokens: one per 3 UTF-8 bytes, rounded up. */
export function textTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 3);
}

/** An image's tokens at detail "high": fit in 2048×2048, shortest side down to 768, 170 per 512-px tile plus 85. */
export function imageTokens(width: number, height: number): number {
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(1, 768 / Math.min(w, h));
  w *= shortest;
  h *= shortest;
  return 85 + 170 * Math.ceil(w / 512) * Math.ceil(h / 512);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
