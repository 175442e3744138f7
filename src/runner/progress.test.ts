import assert from "node:assert/strict";
import { test } from "node:test";
import { CACHE_FORMAT } from "./cached-response.ts";
import { Progress } from "./progress.ts";
import type { Result } from "./run.ts";

const ok = (cached: boolean): Result => ({
  ok: true,
  cached,
  attempts: 1,
  response: { format: CACHE_FORMAT, key: "k", content: "a", reasoning: null, reasoning_content: null, finish_reason: "stop", prompt_tokens: 1000, completion_tokens: 500, latency_ms: 1, simulated: true, served_model: null },
});
const failed: Result = { ok: false, errorKind: "timeout", error: "request timed out", attempts: 6 };

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => (writes.push(text), true) };
}

test("on a terminal the line shows done/total, rate, ETA, errors and tokens; the summary counts by kind", () => {
  const tty = stream(true);
  const progress = new Progress(4, tty);
  for (const result of [ok(false), ok(true), failed, failed]) progress.record(result);
  assert.ok(tty.writes.length >= 1, "redrawn");
  assert.match(tty.writes.at(-1)!, /\[eval\] 4\/4 100\.0% · \d+\/s · ETA .* · 2 errors · 3\.0k tokens · 1 cached/);
  assert.equal(progress.finish().replace(/in [\d.]+ s/, "in T s"), "[eval] 4 requests in T s: 1 answered, 1 from cache, 2 failed (timeout 2); 3.0k tokens");
});

test("off a terminal a plain line every few seconds while the counts move, none while they stall, none after the summary", async () => {
  const pipe = stream(false);
  const progress = new Progress(10, pipe, "eval", { logEveryMs: 40 });
  await sleep(100);
  assert.equal(pipe.writes.length, 1, "a first line shows the run started, before any answer");
  assert.match(pipe.writes[0]!, /^\[eval\] 0\/10 0\.0% · 0\/s · ETA – · 0 errors · 0 tokens\n$/);
  for (let i = 0; i < 3; i++) progress.record(ok(false));
  await sleep(100);
  assert.equal(pipe.writes.length, 2);
  assert.match(pipe.writes[1]!, /^\[eval\] 3\/10 30\.0% · \d+\/s · ETA \d+:\d\d · 0 errors · 4\.5k tokens\n$/);
  assert.ok(pipe.writes.every((w) => !w.includes("\r") && !w.includes("\x1b")), "no terminal control codes in a log");
  await sleep(150);
  assert.equal(pipe.writes.length, 2, "nothing moved: no repeated line (at least one a minute)");
  progress.record(ok(false));
  assert.match(progress.finish(), /4 answered, 0 from cache, 0 failed; 6\.0k tokens$/);
  await sleep(100);
  assert.equal(pipe.writes.length, 2, "the summary stops the lines");
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
