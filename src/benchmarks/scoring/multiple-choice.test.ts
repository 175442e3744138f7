import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accuracy, groupedAccuracy, mmstarCorrect, parseMultiChoiceResponse, seededChoice } from "./multiple-choice.ts";

const ABCD = { A: "red car", B: "blue truck", C: "green bus", D: "yellow taxi" };

describe("parseMultiChoiceResponse (MMMU's parse_multi_choice_response)", () => {
  test("a letter in parentheses wins, trailing punctuation stripped", () => {
    assert.deepEqual(parseMultiChoiceResponse("The answer is (B).", ABCD, "s"), { choice: "B", method: "bracket" });
  });

  test("of several bracketed letters, the one that occurs last", () => {
    // "(A)" at 1, "(C)" at 26: the later one.
    assert.deepEqual(parseMultiChoiceResponse("(A) is wrong, so it must be (C)", ABCD, "s"), { choice: "C", method: "bracket" });
    // Last occurrence counts: (C) at 1, (A) at 24 and again at 34 → A.
    assert.deepEqual(parseMultiChoiceResponse("(C) or (B)? No: (A) then (A)", ABCD, "s").choice, "A");
  });

  test("a bare letter between spaces, quotes and dots stripped first", () => {
    assert.deepEqual(parseMultiChoiceResponse("B", ABCD, "s"), { choice: "B", method: "letter" });
    assert.deepEqual(parseMultiChoiceResponse("'C'", ABCD, "s"), { choice: "C", method: "letter" });
    assert.deepEqual(parseMultiChoiceResponse("I think it is B or maybe D.", ABCD, "s"), { choice: "D", method: "letter" });
    // "B." inside the text is not " B " (only the ends are stripped): no letter, 5 words, no option text → fallback.
    assert.equal(parseMultiChoiceResponse("It is B. Sure", ABCD, "s").method, "random");
  });

  test("upstream's quirk: the article 'A' at the start of a sentence counts as option A", () => {
    assert.deepEqual(parseMultiChoiceResponse("A blue truck is shown in the picture", ABCD, "s"), { choice: "A", method: "letter" });
  });

  test("option text when the answer has more than five words and no letter", () => {
    assert.deepEqual(parseMultiChoiceResponse("The vehicle in the picture is a Blue Truck", ABCD, "s"), { choice: "B", method: "text" });
    // Two options named: the one whose text occurs last.
    assert.deepEqual(parseMultiChoiceResponse("not the red car, I would say the green bus", ABCD, "s"), { choice: "C", method: "text" });
  });

  test("five words or fewer: option text is not searched; the fallback is seeded, not random", () => {
    const first = parseMultiChoiceResponse("the blue truck", ABCD, "a");
    assert.equal(first.method, "random");
    // sha256("a") = ca978112ca1b…: 0xca978112ca1b mod 4 = 0x1b mod 4 = 3 → D.
    assert.equal(first.choice, "D");
    assert.deepEqual(parseMultiChoiceResponse("the blue truck", ABCD, "a"), first);
    // sha256("b") = 3e23e8160039…: 0x59 mod 4 = 1 → B.
    assert.equal(parseMultiChoiceResponse("", ABCD, "b").choice, "B");
  });

  test("seededChoice is a pure function of the seed", () => {
    assert.equal(seededChoice(["A", "B", "C", "D"], "a"), "D");
    assert.equal(seededChoice(["A", "B", "C", "D"], "b"), "B");
    assert.equal(seededChoice(["only"], "anything"), "only");
    assert.throws(() => seededChoice([], "a"));
  });
});

describe("Python's semantics in the multiple-choice rules", () => {
  const EVAL_UTILS = "MMMU-Benchmark/MMMU@bb0b95a945998d91dfef37e969e07d49d1139438 mmmu/utils/eval_utils.py";
  test(`${EVAL_UTILS} L33: len(response.split()) > 5 splits on Python's whitespace`, () => {
    // U+0085 separates words in Python (six words: option text is searched); U+FEFF does not (one word: fallback).
    assert.deepEqual(parseMultiChoiceResponse("the\x85vehicle\x85is\x85a blue truck", ABCD, "s"), { choice: "B", method: "text" });
    assert.equal(parseMultiChoiceResponse("the\ufeffvehicle\ufeffis\ufeffa blue truck", ABCD, "s").method, "random");
  });

  const MMSTAR = "MMStar-Benchmark/MMStar@88f243ab4a39cb339530085c33aecb22819881a1 eval/vlmeval/evaluate/mmstar.py";
  test(`${MMSTAR} L53–54: strip() uses Python's whitespace set`, () => {
    assert.equal(mmstarCorrect("\ufeffB", "B"), false, "U+FEFF is not stripped, so the first character is not B");
    assert.equal(mmstarCorrect("\x1cB", "B"), true);
    assert.equal(mmstarCorrect("\x85 (b) blue", "B"), true);
    assert.equal(mmstarCorrect("\u3000option\nc", "C"), true, "newlines become spaces");
  });
});

describe("mmstarCorrect (MMStar's official rule)", () => {
  test("the letter first, after '(', after 'option ' or after 'the answer is '", () => {
    assert.equal(mmstarCorrect("B", "B"), true);
    assert.equal(mmstarCorrect("b. a blue truck", "B"), true);
    assert.equal(mmstarCorrect("(c) green bus", "C"), true);
    assert.equal(mmstarCorrect("Option C", "C"), true);
    assert.equal(mmstarCorrect("The answer is D.", "D"), true);
    assert.equal(mmstarCorrect("  \nA", "A"), true);
  });

  test("anything else is wrong, even when the right letter comes later", () => {
    assert.equal(mmstarCorrect("Answer: D", "D"), false);
    assert.equal(mmstarCorrect("I choose D", "D"), false);
    assert.equal(mmstarCorrect("C", "D"), false);
    assert.equal(mmstarCorrect("", "A"), false);
  });
});

describe("accuracy", () => {
  test("correct over total, and per group", () => {
    assert.deepEqual(accuracy([true, false, true, true]), { correct: 3, total: 4, accuracy: 0.75 });
    assert.deepEqual(accuracy([]), { correct: 0, total: 0, accuracy: null });
    const { overall, groups } = groupedAccuracy([
      { group: "math", correct: true },
      { group: "art", correct: false },
      { group: "math", correct: false },
    ]);
    assert.deepEqual(overall, { correct: 1, total: 3, accuracy: 1 / 3 });
    assert.deepEqual([...groups], [
      ["math", { correct: 1, total: 2, accuracy: 0.5 }],
      ["art", { correct: 0, total: 1, accuracy: 0 }],
    ]);
  });
});
