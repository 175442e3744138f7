import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Sample } from "../benchmarks/sample.ts";
import type { Experiment, ResolvedModel } from "../experiments/load.ts";
import { DEFAULT_PROFILE } from "../models/index.ts";
import type { CachedResponse } from "../runner/cached-response.ts";
import type { Result } from "../runner/run.ts";
import { Database } from "../duckdb/database.ts";
import { countWords, RESPONSES_SCHEMA, responseRow } from "./responses.ts";

describe("countWords", () => {
  test("counts maximal runs of non-whitespace, across every ASCII whitespace character", () => {
    assert.equal(countWords(""), 0);
    assert.equal(countWords(" \t\n\v\f\r "), 0);
    assert.equal(countWords("one"), 1);
    assert.equal(countWords("  two   words  "), 2);
    assert.equal(countWords("a\tb\nc\vd\fe\rf g"), 7);
    assert.equal(countWords("line one\r\n\r\nline two"), 4);
    assert.equal(countWords("punctuation, counts—as part of words."), 5);
  });

  test("Unicode spaces and other scripts are part of words, as in the SQL definition it replaces", () => {
    assert.equal(countWords("no\u00a0break"), 1); // NO-BREAK SPACE is not ASCII whitespace
    assert.equal(countWords("ideographic\u3000space"), 1);
    assert.equal(countWords("思考 过程 🙂"), 3);
  });

  test("agrees with the SQL word count thinking_length.sql used before thinking_words existed", async () => {
    // 500 pseudo-random strings over ASCII whitespace, letters and Unicode spaces.
    const alphabet = [" ", "\t", "\n", "\v", "\f", "\r", "a", "b", "\u00a0", "\u2003", "é", "."];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const texts = Array.from({ length: 500 }, () => Array.from({ length: next() % 40 }, () => alphabet[next() % alphabet.length]).join(""));
    const db = await Database.open();
    try {
      await db.createTable("t", { i: "INTEGER", text: "VARCHAR" }, texts.map((text, i) => [i, text]));
      const rows = await db.rows(`SELECT i, len(list_filter(string_split(translate(text, chr(9) || chr(10) || chr(11) || chr(12) || chr(13), '     '), ' '), piece -> piece <> ''))::INTEGER AS words FROM t ORDER BY i`);
      assert.deepEqual(rows.map((r) => r.words), texts.map(countWords));
    } finally {
      db.close();
    }
  });

  test("long texts", () => {
    assert.equal(countWords("step ".repeat(5000)), 5000);
    assert.equal(countWords(`${"x\n".repeat(2047)}x`), 2048);
  });
});

describe("responseRow", () => {
  const experiment = { id: "e", hash: "h" } as Experiment;
  const model = { id: "r", model: "sim/r", base: "b", endpoint: "http://127.0.0.1:1/v1", profile: DEFAULT_PROFILE } as ResolvedModel;
  const sample = { benchmark: "figstep", subset: "tiny", sampleId: "s1", category: null, prompt: "p", images: [] } as unknown as Sample;
  const planned = { model, sample, repeat: 0, key: "k" };
  const answered = (message: Partial<CachedResponse>): Result => ({
    ok: true,
    cached: false,
    attempts: 1,
    response: {
      key: "k", content: null, reasoning: null, reasoning_content: null, finish_reason: "stop", prompt_tokens: 1,
      completion_tokens: 1, latency_ms: 1, simulated: true, served_model: "sim/r", ...message,
    } as CachedResponse,
  });
  const cell = (row: unknown[], column: keyof typeof RESPONSES_SCHEMA) => row[Object.keys(RESPONSES_SCHEMA).indexOf(column)];

  test("thinking_words is the word count of the thinking, wherever the thinking came from", () => {
    const tagged = responseRow(experiment, planned, answered({ content: "<think>I should\nrefuse this.</think>I cannot help." }));
    assert.equal(cell(tagged, "thinking"), "I should\nrefuse this.");
    assert.equal(cell(tagged, "thinking_words"), 4);
    const field = responseRow(experiment, planned, answered({ reasoning: "  a b\tc  ", content: "answer" }));
    assert.equal(cell(field, "thinking_words"), 3);
  });

  test("thinking_words is NULL without thinking and for failed requests", () => {
    const plain = responseRow(experiment, planned, answered({ content: "Just an answer with six words." }));
    assert.equal(cell(plain, "thinking"), null);
    assert.equal(cell(plain, "thinking_words"), null);
    const failed = responseRow(experiment, planned, { ok: false, errorKind: "timeout", error: "timed out", attempts: 3 } as Result);
    assert.equal(cell(failed, "thinking_words"), null);
  });
});
