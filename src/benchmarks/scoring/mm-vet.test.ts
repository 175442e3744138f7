import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { aggregateMmVet, aggregateMmVetRuns, MM_VET_GRADER_PROMPT, MM_VET_REASK_SUFFIX, mmVetGraderAttempt, mmVetGraderRequest, parseMmVetReply } from "./mm-vet.ts";

const UPSTREAM = "yuweihao/MM-Vet@acde843e02dae30047bb456ee4a8ab28dee7e0ae mm-vet_evaluator.py";

describe("MM-Vet grader request", () => {
  test("upstream's prompt is pinned: instructions, header and the 7 few-shot rows", () => {
    assert.ok(MM_VET_GRADER_PROMPT.startsWith("Compare the ground truth and prediction from AI models, to give a correctness score"));
    assert.ok(MM_VET_GRADER_PROMPT.includes("\n\nQuestion | Ground truth | Prediction | Correctness\n--- | --- | --- | ---\n"));
    assert.equal(MM_VET_GRADER_PROMPT.match(/^(What is x in the equation\?|Can you explain this meme\?) \|/gm)?.length, 7);
    assert.ok(MM_VET_GRADER_PROMPT.endsWith("their actual physical characteristics. | 1.0\n"));
    // Any edit changes scores; this hash was taken from the text transcribed from mm-vet_evaluator.py.
    assert.equal(createHash("sha256").update(MM_VET_GRADER_PROMPT).digest("hex"), "d1b3e0a5b4e72c888b77164489d705bba4dd149934fff564dfba6443d81afe3f");
  });

  test("the item's row is appended after a newline, <AND>/<OR> spaced, the score cell left open", () => {
    const { messages } = mmVetGraderRequest({ question: "What is x?", answer: "-1<AND>-5<OR>-6" }, "x = -1");
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.role, "user");
    assert.equal(messages[0]!.content, `${MM_VET_GRADER_PROMPT}\nWhat is x? | -1 <AND> -5 <OR> -6 | x = -1 | `);
  });
});

describe("parseMmVetReply (upstream's reading of a grader reply)", () => {
  test(`${UPSTREAM} L238–242: float() of the text before the first space, stripped, kept in [0, 1]`, () => {
    assert.deepEqual(parseMmVetReply("0.8"), { score: 0.8 });
    assert.deepEqual(parseMmVetReply("1.0"), { score: 1 });
    assert.deepEqual(parseMmVetReply(".7"), { score: 0.7 });
    assert.deepEqual(parseMmVetReply("0.6\n"), { score: 0.6 }, "strip() removes the newline");
    assert.deepEqual(parseMmVetReply("1e-1"), { score: 0.1 }, "float() reads scientific notation (the first number would be 1)");
    assert.deepEqual(parseMmVetReply("0.3 because half is missing"), { score: 0.3 });
    assert.deepEqual(parseMmVetReply("0.7 [simulated]"), { score: 0.7 });
    assert.deepEqual(parseMmVetReply("０.５"), { score: 0.5 }, "float() reads Unicode digits");
    assert.deepEqual(parseMmVetReply("\t0.4"), { score: 0.4 }, "split(' ') leaves the tab, strip() removes it");
    assert.ok(Number.isNaN((parseMmVetReply("nan") as { score: number }).score), "NaN passes upstream's range check");
  });

  test(`${UPSTREAM} L238–243: what float() cannot read, or a value outside [0, 1], is unread (upstream re-asks)`, () => {
    for (const text of ["0,5", " 0.5", "Correctness: 0.5", "7/10", "1.5", "-0.2", "inf", "", "great answer", "0.5.", "\ufeff0.5"]) {
      assert.ok("unread" in parseMmVetReply(text), `${JSON.stringify(text)} should be unread`);
    }
    assert.ok("unread" in parseMmVetReply(null), "a reply without text (upstream: None.split raises)");
  });
});

describe("mmVetGraderAttempt (upstream's re-asks)", () => {
  const item = { question: "What is x?", answer: "-1<AND>-5" };
  test(`${UPSTREAM} L223–270: the ask at temperature 0, re-asks with the suffix at 0, 0.5, 1.0, 1.5`, () => {
    const ask = mmVetGraderAttempt(item, "x = -1", 0);
    assert.deepEqual(ask, { ...mmVetGraderRequest(item, "x = -1"), temperature: 0, max_tokens: 3 });
    const reasks = [1, 2, 3, 4].map((k) => mmVetGraderAttempt(item, "x = -1", k));
    assert.deepEqual(reasks.map((r) => r.temperature), [0, 0.5, 1, 1.5]);
    for (const r of reasks) assert.equal(r.messages[0]!.content, `${ask.messages[0]!.content}${MM_VET_REASK_SUFFIX}`);
    assert.equal(MM_VET_REASK_SUFFIX, "\nPredict the correctness of the answer (digit): ");
    // Upstream's fifth re-ask (temperature 2.0) is sent after the fifth unread reply, and its reply is never read (L273–275).
    assert.throws(() => mmVetGraderAttempt(item, "x = -1", 5), RangeError);
  });
});

describe("aggregateMmVet", () => {
  const grades = [
    { capabilities: ["rec"], score: 1 },
    { capabilities: ["rec", "ocr"], score: 0.5 },
    { capabilities: ["ocr"], score: 0 },
    { capabilities: ["ocr", "rec"], score: null },
    { capabilities: ["math"], score: 0.4 },
  ];

  test("total, per capability and per integration: 100 × mean of graded items, unparsed apart", () => {
    const summary = aggregateMmVet(grades);
    // graded 1 + 0.5 + 0 + 0.4 = 1.9 over 4 → 47.5
    assert.deepEqual(summary.total, { items: 5, graded: 4, ungraded: 1, score: 47.5 });
    assert.deepEqual([...summary.capabilities], [
      ["rec", { items: 3, graded: 2, ungraded: 1, score: 75 }],
      ["ocr", { items: 3, graded: 2, ungraded: 1, score: 25 }],
      ["math", { items: 1, graded: 1, ungraded: 0, score: 40 }],
    ]);
    assert.deepEqual([...summary.integrations], [
      ["ocr_rec", { items: 2, graded: 1, ungraded: 1, score: 50 }],
      ["rec", { items: 1, graded: 1, ungraded: 0, score: 100 }],
      ["ocr", { items: 1, graded: 1, ungraded: 0, score: 0 }],
      ["math", { items: 1, graded: 1, ungraded: 0, score: 40 }],
    ]);
  });

  test("runs: mean of totals and population standard deviation", () => {
    const run = (a: number, b: number) => [
      { capabilities: ["rec"], score: a },
      { capabilities: ["ocr"], score: b },
    ];
    // totals 75 and 50 → mean 62.5, std 12.5
    assert.deepEqual(aggregateMmVetRuns([run(1, 0.5), run(0.5, 0.5)]), { mean: 62.5, std: 12.5, runs: [75, 50] });
  });
});
