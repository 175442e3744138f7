// HTTP plumbing shared by the routes: request bodies, JSON replies and OpenAI/vLLM-shaped errors.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Marks every response, so simulated output can never pass for a real model's. */
export const SIMULATED_HEADERS = { "x-thinksafe-simulated": "true" } as const;

/** An error response before it is sent: status and the body `{"error": {...}}`. */
export interface ApiError {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: number } };
}

// vLLM names error types after the exception class; the openai SDK picks its error class by status.
const ERROR_TYPES: Record<number, string> = {
  400: "BadRequestError",
  404: "NotFoundError",
  405: "MethodNotAllowedError",
  409: "ConflictError",
  413: "RequestEntityTooLargeError",
  429: "RateLimitError",
  500: "InternalServerError",
};

export function apiError(status: number, message: string): ApiError {
  return { status, body: { error: { message, type: ERROR_TYPES[status] ?? "Error", param: null, code: status } } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SIMULATED_HEADERS,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, error.body, headers);
}

/** Large enough for batch input files with images. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** The whole request body, or undefined when it exceeds the size limit. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** JSON.parse that returns its failure instead of throwing it. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
