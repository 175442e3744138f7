// What to do after a failed request: the only place that reads the openai SDK's error classes.
// Every message is scrubbed of keys here: an endpoint's error text may echo the Authorization header.
import OpenAI from "openai";
import { scrubSecrets } from "../secrets.ts";

export type FailureKind = "rate_limit" | "transient" | "fatal";

export interface Failure {
  kind: FailureKind;
  /** Short, stable name recorded in the error_kind column. */
  errorKind: string;
  message: string;
  /** From Retry-After / retry-after-ms on 429s. */
  retryAfterMs?: number;
}

/** The endpoint answered 200 with something that is not a chat completion (HTML, wrong types, bad UTF-8…). */
export class InvalidResponseError extends Error {
  override name = "InvalidResponseError";
}

/** The answer passed the size limit while it was being read; the rest was not read. */
export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
}

export function classifyFailure(error: unknown): Failure {
  const failure = classify(error);
  return { ...failure, message: scrubSecrets(failure.message) };
}

function classify(error: unknown): Failure {
  // The transport's own errors reach here as the cause of the SDK's connection error.
  const own = ownError(error);
  if (own instanceof ResponseTooLargeError) return { kind: "fatal", errorKind: "response_too_large", message: own.message };
  if (own instanceof InvalidResponseError) return { kind: "fatal", errorKind: "invalid_response", message: own.message };
  // A body or stream event that is not JSON, as the SDK parses it.
  if (error instanceof SyntaxError) return { kind: "fatal", errorKind: "invalid_response", message: `the endpoint's answer is not valid JSON (${error.message})` };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof OpenAI.APIConnectionTimeoutError) return { kind: "transient", errorKind: "timeout", message: "request timed out" };
  if (error instanceof OpenAI.APIConnectionError) return { kind: "transient", errorKind: "connection", message: connectionMessage(error) };
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    if (status === 429) return { kind: "rate_limit", errorKind: "rate_limit", message, retryAfterMs: retryAfterMs(error.headers) };
    if (status === 408 || status === 409 || (status !== undefined && status >= 500)) {
      return { kind: "transient", errorKind: `http_${status}`, message };
    }
    return { kind: "fatal", errorKind: status === undefined ? "api_error" : `http_${status}`, message };
  }
  return { kind: "fatal", errorKind: "unexpected", message };
}

function ownError(error: unknown): unknown {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof InvalidResponseError || e instanceof ResponseTooLargeError) return e;
  }
  return undefined;
}

function connectionMessage(error: InstanceType<typeof OpenAI.APIConnectionError>): string {
  const cause = (error as { cause?: { code?: string; cause?: { code?: string }; message?: string } }).cause;
  const code = cause?.code ?? cause?.cause?.code;
  return code ? `connection failed (${code})` : `connection failed (${cause?.message ?? error.message})`;
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Exponential back-off from 0.5 s to at most 8 s, with "full jitter" so retries spread out. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(8000, 500 * 2 ** (attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}
