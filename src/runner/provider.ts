// One chat completion against one OpenAI-compatible endpoint, through the openai client, with the
// reasoning fields vLLM, SGLang, DeepSeek and OpenRouter add. Retries happen in the runner only:
// clients are built with maxRetries 0, or the SDK's own retries would multiply the runner's.
import OpenAI from "openai";
import type { CachedResponse } from "./cache.ts";
import { InvalidResponseError } from "./retry.ts";
import { createTransport } from "./transport.ts";

/** A request as sent: OpenAI chat-completions body fields plus any extra fields (vLLM's and others'). */
export type ChatBody = Record<string, unknown> & { model: string; messages: unknown[] };

export type RawResponse = Omit<CachedResponse, "format" | "key">;

/** Message fields some servers add beside the standard ones. */
interface ReasoningFields {
  content?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
}

/** One keep-alive transport for every client of a process. */
const transport = createTransport();

export function createClient(baseURL: string, apiKey: string | undefined): OpenAI {
  // Local servers (vLLM without --api-key) accept any key; the SDK insists on one being set.
  return new OpenAI({ baseURL, apiKey: apiKey ?? "none", maxRetries: 0, fetch: transport });
}

export async function chatCompletion(
  client: OpenAI,
  body: ChatBody,
  options: { timeoutMs: number; stream: boolean },
): Promise<RawResponse> {
  const started = performance.now();
  return options.stream
    ? streamed(client, body, options.timeoutMs, started)
    : whole(client, body, options.timeoutMs, started);
}

async function whole(client: OpenAI, body: ChatBody, timeoutMs: number, started: number): Promise<RawResponse> {
  const { data, response } = await client.chat.completions
    .create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming, { timeout: timeoutMs })
    .withResponse();
  // A 200 that is not JSON (an HTML page) arrives as a string despite the SDK's types.
  const raw = completionToRaw(data as unknown);
  if (!raw) throw notACompletion(response, data);
  return {
    ...raw,
    latency_ms: Math.round(performance.now() - started),
    simulated: raw.simulated || isSimulated(response.headers, undefined),
  };
}

/**
 * A chat completion body as recorded, with the reasoning fields some servers add; undefined when
 * the body is not a completion. Shared by online calls and Batch API output lines, which carry
 * no latency of their own (0).
 */
export function completionToRaw(body: unknown): RawResponse | undefined {
  const choice = isCompletion(body) ? body.choices[0] : undefined;
  if (!isCompletion(body) || !choice) return undefined;
  const message = (choice.message ?? {}) as ReasoningFields;
  return {
    content: message.content ?? null,
    reasoning: message.reasoning ?? null,
    reasoning_content: message.reasoning_content ?? null,
    finish_reason: choice.finish_reason ?? null,
    prompt_tokens: body.usage?.prompt_tokens ?? null,
    completion_tokens: body.usage?.completion_tokens ?? null,
    latency_ms: 0,
    simulated: body.system_fingerprint === "thinksafe-simulator",
    served_model: body.model ?? null,
  };
}

async function streamed(client: OpenAI, body: ChatBody, timeoutMs: number, started: number): Promise<RawResponse> {
  const { data: stream, response } = await client.chat.completions
    .create(
      { ...body, stream: true, stream_options: { include_usage: true } } as unknown as OpenAI.ChatCompletionCreateParamsStreaming,
      { timeout: timeoutMs },
    )
    .withResponse();
  const parts = { content: [] as string[], reasoning: [] as string[], reasoning_content: [] as string[] };
  let finishReason: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  let model: string | null = null;
  let fingerprint: string | null | undefined;
  for await (const chunk of stream) {
    model ??= chunk.model ?? null;
    fingerprint ??= chunk.system_fingerprint;
    usage = chunk.usage ?? usage;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const delta = choice.delta as ReasoningFields;
    if (delta.content) parts.content.push(delta.content);
    if (delta.reasoning) parts.reasoning.push(delta.reasoning);
    if (delta.reasoning_content) parts.reasoning_content.push(delta.reasoning_content);
    finishReason = choice.finish_reason ?? finishReason;
  }
  const joined = (list: string[]) => (list.length ? list.join("") : null);
  return {
    content: joined(parts.content),
    reasoning: joined(parts.reasoning),
    reasoning_content: joined(parts.reasoning_content),
    finish_reason: finishReason,
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    latency_ms: Math.round(performance.now() - started),
    simulated: isSimulated(response.headers, fingerprint),
    served_model: model,
  };
}

function isCompletion(value: unknown): value is OpenAI.ChatCompletion {
  return typeof value === "object" && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}

function notACompletion(response: Response, data: unknown): InvalidResponseError {
  const type = response.headers.get("content-type") ?? "no content type";
  const preview = (typeof data === "string" ? data : JSON.stringify(data) ?? "").slice(0, 80).replace(/\s+/g, " ");
  return new InvalidResponseError(
    `the endpoint answered ${type}, not a chat completion (${JSON.stringify(preview)}): is base_url the API root, ending in /v1?`,
  );
}

/** thinksafe's simulator marks its answers so that they are never taken for a model's. */
function isSimulated(headers: Headers, fingerprint: string | null | undefined): boolean {
  return headers.get("x-thinksafe-simulated") === "true" || fingerprint === "thinksafe-simulator";
}
