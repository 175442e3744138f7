import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkCompletion, checkStreamChunk } from "./validate.ts";

const completion = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: "x",
  object: "chat.completion",
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 4 },
  ...extra,
});

describe("checkCompletion", () => {
  test("a well-formed completion is read with its reasoning fields", () => {
    const checked = checkCompletion(completion({ content: "hi", reasoning_content: "hmm" }));
    assert.deepEqual(checked, {
      ok: true,
      value: { content: "hi", reasoning: null, reasoning_content: "hmm", finish_reason: "stop", prompt_tokens: 3, completion_tokens: 4, latency_ms: 0, simulated: false, served_model: "m" },
    });
  });

  test("each malformed shape names what is wrong", () => {
    const cases: Array<[unknown, RegExp]> = [
      [completion({ content: 42 }), /choices\[0\]\.message\.content is a number \(42\), not a string or null/],
      [completion({ content: { text: "x" } }), /choices\[0\]\.message\.content is an object, not a string or null/],
      [completion({ content: ["a"] }), /content is a list, not a string or null/],
      [{ ...completion({ content: "x" }), choices: "many" }, /choices is a string \("many"\), not a list/],
      [{ ...completion({ content: "x" }), choices: [] }, /choices is empty/],
      [{ ...completion({ content: "x" }), choices: [7] }, /choices\[0\] is a number \(7\), not an object/],
      [{ object: "chat.completion" }, /it has no choices/],
      [{ choices: [{ finish_reason: "stop" }] }, /choices\[0\]\.message is missing/],
      [completion({ content: "x" }, { usage: { prompt_tokens: "3" } }), /usage\.prompt_tokens is a string \("3"\), not a whole number/],
      [completion({ content: "x" }, { usage: { completion_tokens: 2.5 } }), /usage\.completion_tokens is a number \(2\.5\), not a whole number/],
      [completion({ content: "bad \ud800 surrogate" }), /content holds an unpaired UTF-16 surrogate/],
      [completion({ content: "x" }, { model: 5 }), /model is a number \(5\)/],
      ["<html>oops</html>", /the body is text, not JSON \("<html>oops<\/html>"\)/],
      [null, /the body is null, not an object/],
    ];
    for (const [body, problem] of cases) {
      const checked = checkCompletion(body);
      assert.equal(checked.ok, false, JSON.stringify(body));
      if (!checked.ok) assert.match(checked.problem, problem);
    }
  });

  test("stream chunks are checked one by one", () => {
    assert.deepEqual(checkStreamChunk({ choices: [{ delta: { content: "a" } }] }, 0), {
      ok: true,
      value: { content: "a", reasoning: null, reasoning_content: null, finish_reason: null, prompt_tokens: null, completion_tokens: null, model: null, fingerprint: null },
    });
    const bad = checkStreamChunk({ choices: [{ delta: { content: 1 } }] }, 4);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.problem, /^stream chunk 5: choices\[0\]\.delta\.content is a number/);
  });
});
