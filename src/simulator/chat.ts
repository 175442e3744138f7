// Chat completions: validate a request, derive its deterministic reply, and shape it as vLLM's
// OpenAI-compatible response, whole or as stream chunks.
import { z } from "zod";
import type { ModelConfig } from "./config.ts";
import { generateReply, layoutReply, wordCount, type Reply, type Segment } from "./generate.ts";
import { apiError, type ApiError } from "./http.ts";
import { applyLimits } from "./limits.ts";
import { capabilityQuestion, capabilityReply } from "./perception.ts";
import { sha256 } from "./random.ts";
import { requestDigest } from "./request-digest.ts";
import { getProfile } from "../models/profiles/index.ts";

export const SYSTEM_FINGERPRINT = "thinksafe-simulator";
/** A fixed `created` time (2025-01-01), so that identical requests get identical bytes. */
export const SIMULATED_CREATED = 1735689600;
/** Prompt tokens an image counts for, whatever its size. */
export const IMAGE_TOKENS = 256;

const contentPart = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string().min(1) }) }),
]);

const chatRequestSchema = z.object({
  model: z.string(),
  messages: z
    .array(
      z.object({
        role: z.enum(["system", "developer", "user", "assistant", "tool"]),
        content: z.union([z.string(), z.array(contentPart)]).nullish(),
      }),
    )
    .min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1).nullish(),
});

type ChatRequest = z.output<typeof chatRequestSchema>;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Everything needed to answer one chat request, as a whole response or a stream. */
export interface ChatReply {
  id: string;
  model: ModelConfig;
  segments: Segment[];
  finishReason: "stop" | "length";
  stopReason: string | null;
  usage: Usage;
  stream: boolean;
  includeUsage: boolean;
  /** What the model decided to say, before layout and limits (tests read the truth here). */
  decision: Reply;
  /** The turn of its dialogue the request is, for a model speaking a dialogue profile. */
  turn: number | undefined;
}

export function resolveChat(
  body: unknown,
  seed: number,
  models: ReadonlyMap<string, ModelConfig>,
): { ok: true; reply: ChatReply } | { ok: false; error: ApiError } {
  // Like vLLM, an unknown model is reported before anything else is checked.
  const modelName = (body as { model?: unknown } | null)?.model;
  if (typeof modelName === "string" && !models.has(modelName)) {
    return { ok: false, error: apiError(404, `The model \`${modelName}\` does not exist.`) };
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: apiError(400, describeIssues(parsed.error)) };
  const request = parsed.data;
  const model = models.get(request.model)!;

  // The raw messages, so that every field a client sends takes part in the decision. A dialogue's
  // turns all follow the one decision its opening (system and first user message) gets.
  const messages = (body as { messages: unknown[] }).messages;
  const turn = dialogueTurn(model, request.messages);
  const decided = turn === undefined ? messages : messages.slice(0, request.messages.findIndex((m) => m.role === "user") + 1);
  const digest = requestDigest(seed, model.name, decided, request.seed ?? null);
  const prompt = promptSize(request);
  // An assistant asked a capability question answers it (perception.ts), drawing from a digest without
  // the model's name, so every model meets the same luck on the same question; anything else as
  // generate.ts says.
  const question = model.role === "assistant" ? capabilityQuestion(request.messages) : undefined;
  const reply = question
    ? capabilityReply(model, sha256(JSON.stringify([seed, canonicalJson((body as { messages: unknown }).messages), request.seed ?? null])), question)
    : generateReply(model, digest, prompt.images > 0, request.messages);
  const maxTokens = minDefined(request.max_tokens, request.max_completion_tokens);
  const limited = applyLimits(layoutReply(model, reply, turn), {
    ...(maxTokens !== undefined && { maxTokens }),
    stop: typeof request.stop === "string" ? [request.stop] : (request.stop ?? []),
  });
  return {
    ok: true,
    reply: {
      id: `chatcmpl-sim-${(turn === undefined ? digest : sha256(canonicalJson(messages))).toString("hex", 0, 12)}`,
      model,
      segments: limited.segments,
      finishReason: limited.finishReason,
      stopReason: limited.stopReason,
      usage: {
        prompt_tokens: prompt.tokens,
        completion_tokens: limited.completionTokens,
        total_tokens: prompt.tokens + limited.completionTokens,
      },
      stream: request.stream ?? false,
      includeUsage: request.stream_options?.include_usage ?? false,
      decision: reply,
      turn,
    },
  };
}

/** The `chat.completion` object of a reply. */
export function completionBody(reply: ChatReply): object {
  const message: Record<string, string | null> = { role: "assistant" };
  for (const segment of reply.segments) message[segment.field] = segment.text === "" ? null : segment.text;
  return {
    ...envelope(reply, "chat.completion"),
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.finishReason, stop_reason: reply.stopReason }],
    usage: reply.usage,
  };
}

/** A reply's `chat.completion.chunk` objects in order: role, text pieces, finish, optional usage. */
export function completionChunks(reply: ChatReply): object[] {
  const chunk = (delta: object, finishReason: string | null = null) => ({
    ...envelope(reply, "chat.completion.chunk"),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const chunks: object[] = [chunk({ role: "assistant", content: "" })];
  for (const segment of reply.segments) {
    for (const piece of pieces(segment.text)) chunks.push(chunk({ [segment.field]: piece }));
  }
  chunks.push(chunk({}, reply.finishReason));
  if (reply.includeUsage) chunks.push({ ...envelope(reply, "chat.completion.chunk"), choices: [], usage: reply.usage });
  return chunks;
}

function envelope(reply: ChatReply, object: string) {
  return { id: reply.id, object, created: SIMULATED_CREATED, model: reply.model.name, system_fingerprint: SYSTEM_FINGERPRINT };
}

/** Words per stream chunk: a real server sends one token per chunk, but for a client the pieces are
 * interchangeable, and fewer chunks keep thousands of concurrent streams cheap on both sides. */
const WORDS_PER_CHUNK = 8;

/** Stream pieces of WORDS_PER_CHUNK words, whitespace kept, so that they concatenate to `text`. */
function pieces(text: string): string[] {
  const words = text.match(/^\s+|\S+\s*/g) ?? [];
  const result: string[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_CHUNK) result.push(words.slice(i, i + WORDS_PER_CHUNK).join(""));
  return result;
}

/**
 * Which turn of its profile's dialogue a request is, for a model whose format is a dialogue: the
 * number of assistant replies it holds, when the last user message is that turn's (the first turn's
 * ends with the text after {question}). Undefined otherwise: such a request is answered plainly.
 */
function dialogueTurn(model: ModelConfig, messages: ChatRequest["messages"]): number | undefined {
  const exchange = model.format ? getProfile(model.format).exchange : undefined;
  if (exchange?.kind !== "dialogue") return undefined;
  const turn = messages.filter((m) => m.role === "assistant").length;
  const expected = exchange.turns[turn]?.user;
  const last = [...messages].reverse().find((m) => m.role === "user");
  const text = typeof last?.content === "string" ? last.content : (last?.content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");
  if (expected === undefined || last !== messages.at(-1)) return undefined;
  const follows = turn === 0 ? text.endsWith(expected.slice(expected.indexOf("{question}") + "{question}".length)) : text === expected;
  return follows ? turn : undefined;
}

function promptSize(request: ChatRequest): { tokens: number; images: number } {
  let words = 0;
  let images = 0;
  for (const { content } of request.messages) {
    if (typeof content === "string") words += wordCount(content);
    else for (const part of content ?? []) part.type === "text" ? (words += wordCount(part.text)) : (images += 1);
  }
  return { tokens: words + images * IMAGE_TOKENS, images };
}

function minDefined(...values: (number | null | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => typeof v === "number");
  return defined.length > 0 ? Math.min(...defined) : undefined;
}

/** JSON with object keys sorted, so that key order does not change a request's identity. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}
