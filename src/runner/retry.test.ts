import assert from "node:assert/strict";
import { describe, test } from "node:test";
import OpenAI from "openai";
import { backoffMs, classifyFailure, InvalidResponseError } from "./retry.ts";

const apiError = (status: number, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, { error: { message: `status ${status}` } }, undefined, new Headers(headers));

describe("failure classification", () => {
  test("429 is a rate limit, with Retry-After in seconds, milliseconds or as a date", () => {
    assert.deepEqual(classifyFailure(apiError(429, { "retry-after": "2" })).retryAfterMs, 2000);
    assert.deepEqual(classifyFailure(apiError(429, { "retry-after-ms": "150" })).retryAfterMs, 150);
    const date = new Date(Date.now() + 5000).toUTCString();
    const ms = classifyFailure(apiError(429, { "retry-after": date })).retryAfterMs!;
    assert.ok(ms > 3000 && ms <= 5000, String(ms));
    assert.equal(classifyFailure(apiError(429)).kind, "rate_limit");
  });

  test("5xx, 408, 409, resets and timeouts are transient; other 4xx and non-completions are fatal", () => {
    assert.equal(classifyFailure(apiError(500)).kind, "transient");
    assert.equal(classifyFailure(apiError(503)).errorKind, "http_503");
    assert.equal(classifyFailure(apiError(408)).kind, "transient");
    assert.equal(classifyFailure(new OpenAI.APIConnectionError({ message: "reset" })).kind, "transient");
    assert.equal(classifyFailure(new OpenAI.APIConnectionTimeoutError()).errorKind, "timeout");
    assert.equal(classifyFailure(apiError(400)).kind, "fatal");
    assert.equal(classifyFailure(apiError(404)).errorKind, "http_404");
    assert.equal(classifyFailure(new InvalidResponseError("html")).errorKind, "invalid_response");
  });

  test("back-off doubles from 0.5 s to a cap of 8 s, jittered in the upper half", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, () => 1)), [500, 1000, 2000, 4000, 8000, 8000]);
    assert.deepEqual([1, 5].map((a) => backoffMs(a, () => 0)), [250, 4000]);
  });
});
