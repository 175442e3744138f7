import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { aggregateMmVet, aggregateMmVetRuns, MM_VET_GRADER_PROMPT, mmVetGraderRequest, parseMmVetScore } from "./mm-vet.ts";

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

describe("parseMmVetScore", () => {
  test("the first number, when it lies in [0, 1]", () => {
    assert.deepEqual(parseMmVetScore("0.8"), { score: 0.8 });
    assert.deepEqual(parseMmVetScore("1.0"), { score: 1 });
    assert.deepEqual(parseMmVetScore("0"), { score: 0 });
    assert.deepEqual(parseMmVetScore(".7"), { score: 0.7 });
    assert.deepEqual(parseMmVetScore("Correctness: 0.5"), { score: 0.5 });
    assert.deepEqual(parseMmVetScore("0.3 because half the elements are missing"), { score: 0.3 });
  });

  test("no number, or a first number outside [0, 1], is unparsed, never 0", () => {
    for (const text of ["great answer", "", "7/10", "1.5", "-0.2", "85%"]) {
      const parsed = parseMmVetScore(text);
      assert.ok("unparsed" in parsed, `${JSON.stringify(text)} should be unparsed`);
      assert.equal(parsed.text, text);
    }
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
    assert.deepEqual(summary.total, { items: 5, graded: 4, unparsed: 1, score: 47.5 });
    assert.deepEqual([...summary.capabilities], [
      ["rec", { items: 3, graded: 2, unparsed: 1, score: 75 }],
      ["ocr", { items: 3, graded: 2, unparsed: 1, score: 25 }],
      ["math", { items: 1, graded: 1, unparsed: 0, score: 40 }],
    ]);
    assert.deepEqual([...summary.integrations], [
      ["ocr_rec", { items: 2, graded: 1, unparsed: 1, score: 50 }],
      ["rec", { items: 1, graded: 1, unparsed: 0, score: 100 }],
      ["ocr", { items: 1, graded: 1, unparsed: 0, score: 0 }],
      ["math", { items: 1, graded: 1, unparsed: 0, score: 40 }],
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
