import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { requestDigest } from "./request-digest.ts";

/** The definition, spelled the simple way: the canonical JSON (keys sorted) inside a JSON array, hashed. */
function reference(seed: number, model: string, messages: unknown, requestSeed: number | null): Buffer {
  const canonical = JSON.stringify(messages, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
  return createHash("sha256").update(JSON.stringify([seed, model, canonical, requestSeed])).digest();
}

const image = (bytes: Buffer) => ({ type: "image_url", image_url: { url: `data:image/png;base64,${bytes.toString("base64")}` } });

describe("request digest", () => {
  test("hashes exactly the bytes of the simulator's definition, whatever the request holds", () => {
    const awkward = ['quote " and backslash \\ and \\" both', "new\nline\ttab\u0000nul\u001f", "é ü 中文 😀 \u2028\u2029", "lone \ud800 surrogate \udfff", "", " ".repeat(5000), `${"x".repeat(2000)}"`];
    const cases: unknown[] = [
      [{ role: "user", content: "plain" }],
      [{ role: "system", content: "Be safe." }, { content: [image(randomBytes(50_000)), { type: "text", text: "What is shown?" }], role: "user" }],
      [{ role: "user", content: [image(randomBytes(3)), image(randomBytes(200_000)), { text: awkward.join("|"), type: "text" }] }],
      awkward.map((text, i) => ({ role: i % 2 ? "assistant" : "user", content: text, [`k${awkward.length - i}`]: [1, 2.5, -0, true, false, null, { z: 1, a: [{}] }] })),
      [{ role: "user", content: `data:image/png;base64,${"A".repeat(4000)}"injected` }],
      [{ b: 1, a: 2, "\u00e9": 3, A: 4, "": 5, "10": 6, "9": 7, "007": 8, "4294967295": 9, "4294967294": 10 }],
    ];
    for (const [i, messages] of cases.entries()) {
      for (const [seed, requestSeed] of [[0, null], [42, 7], [-3, 0]] as const) {
        assert.deepEqual(requestDigest(seed, "sim/model", messages, requestSeed), reference(seed, "sim/model", messages, requestSeed), `case ${i}`);
      }
    }
  });
});
