// One chat completion against one OpenAI-compatible endpoint, through the openai client, with the
// reasoning fields vLLM, SGLang, DeepSeek and OpenRouter add. Retries happen in the runner only:
// clients are built with maxRetries 0, or the SDK's own retries would multiply the runner's.
import OpenAI from "openai";
import { registerSecret } from "../secrets.ts";
import { InvalidResponseError } from "./retry.ts";
import { jsonBody } from "./json-body.ts";
import { createTransport, DEFAULT_MAX_RESPONSE_BYTES } from "./transport.ts";
import { checkCompletion, checkStreamChunk, streamedResponse, type RawResponse } from "./validate.ts";

export type { RawResponse } from "./validate.ts";

/** A request as sent: OpenAI chat-completions body fields plus any extra fields (vLLM's and others'). */
export type ChatBody = Record<string, unknown> & { model: string; messages: unknown[] };

/** One keep-alive transport for every client of a process. */
const transport = createTransport();

export interface ClientLimits {
  /** Bytes of one answer read at most (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

export function createClient(baseURL: string, apiKey: string | undefined, limits: ClientLimits = {}): OpenAI {
  registerSecret(apiKey);
  const body = { maxBytes: limits.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES };
  // Local servers (vLLM without --api-key) accept any key; the SDK insists on one being set. Its
  // logger stays off: it would print an endpoint's unparsable stream events to the console.
  return new OpenAI({ baseURL, apiKey: apiKey ?? "none", maxRetries: 0, logLevel: "off", fetch: (input, init) => transport(input, init, body) });
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
  // The body goes as UTF-8 bytes made here (json-body.ts), through the client's documented `post`:
  // its own encoder would keep the JSON text, images included, on V8's heap for as long as the request.
  const { data, response } = await client
    .post<OpenAI.ChatCompletion>("/chat/completions", { body: jsonBody(body), headers: { "content-type": "application/json" }, timeout: timeoutMs })
    .withResponse();
  // A 200 that is not JSON (an HTML page) arrives as a string despite the SDK's types.
  const checked = checkCompletion(data as unknown);
  if (!checked.ok) throw notACompletion(response, checked.problem);
  const raw = checked.value;
  return {
    ...raw,
    latency_ms: Math.round(performance.now() - started),
    simulated: raw.simulated || isSimulated(response.headers, undefined),
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
  let promptTokens: number | null = null;
  let completionTokens: number | null = null;
  let model: string | null = null;
  let fingerprint: string | null = null;
  let index = 0;
  for await (const chunk of stream) {
    const checked = checkStreamChunk(chunk as unknown, index++);
    if (!checked.ok) throw new InvalidResponseError(`the endpoint's stream is not a chat completion (${checked.problem})`);
    const delta = checked.value;
    model ??= delta.model;
    fingerprint ??= delta.fingerprint;
    promptTokens = delta.prompt_tokens ?? promptTokens;
    completionTokens = delta.completion_tokens ?? completionTokens;
    if (delta.content) parts.content.push(delta.content);
    if (delta.reasoning) parts.reasoning.push(delta.reasoning);
    if (delta.reasoning_content) parts.reasoning_content.push(delta.reasoning_content);
    finishReason = delta.finish_reason ?? finishReason;
  }
  const joined = (list: string[]) => (list.length ? list.join("") : null);
  const checked = streamedResponse({
    content: joined(parts.content),
    reasoning: joined(parts.reasoning),
    reasoning_content: joined(parts.reasoning_content),
    finish_reason: finishReason,
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    latency_ms: Math.round(performance.now() - started),
    simulated: isSimulated(response.headers, fingerprint),
    served_model: model,
  });
  if (!checked.ok) throw new InvalidResponseError(`the endpoint's stream is not a chat completion (${checked.problem})`);
  return checked.value;
}

function notACompletion(response: Response, problem: string): InvalidResponseError {
  const type = response.headers.get("content-type") ?? "no content type";
  const hint = type.includes("json") ? "" : ": is base_url the API root, ending in /v1?";
  return new InvalidResponseError(`the endpoint answered ${type}, not a chat completion (${problem})${hint}`);
}

/** thinksafe's simulator marks its answers so that they are never taken for a model's. */
function isSimulated(headers: Headers, fingerprint: string | null | undefined): boolean {
  return headers.get("x-thinksafe-simulated") === "true" || fingerprint === "thinksafe-simulator";
}
