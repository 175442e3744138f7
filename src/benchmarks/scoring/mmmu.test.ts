import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evalOpen, extractNumbers, goldAnswers, normalizeStr, parseOpenResponse, parsePythonStringList, scoreMmmu } from "./mmmu.ts";

describe("MMMU open answers (parse_open_response / eval_open)", () => {
  test("the shortest tail after an indicator, numbers rounded to 2 decimals", () => {
    // "the answer is 3.14159": after "is " → "3.14159", after "answer " → "is 3.14159"; the shorter wins.
    assert.deepEqual(parseOpenResponse("The answer is 3.14159."), [3.14]);
    assert.equal(evalOpen(["3.14"], [3.14]), true);
    assert.equal(evalOpen(["3.15"], [3.14]), false);
  });

  test("numbers with thousands commas; text kept beside its numbers", () => {
    assert.deepEqual(extractNumbers("1,000 apples"), ["1,000", "000"]);
    assert.deepEqual(parseOpenResponse("1,000 apples"), ["1,000 apples", 1000, 0]);
    assert.equal(scoreMmmu({ reference: { answer: "1000" }, response: "1,000 apples", seed: "s" }).correct, true);
  });

  test("string answers match as substrings of a key phrase, case-insensitively", () => {
    assert.deepEqual(parseOpenResponse("It is Paris."), ["paris"]);
    assert.equal(scoreMmmu({ reference: { answer: "Paris" }, response: "It is Paris.", seed: "s" }).correct, true);
    assert.equal(scoreMmmu({ reference: { answer: "Lyon" }, response: "It is Paris.", seed: "s" }).correct, false);
  });

  test("single characters are padded so they do not match inside words", () => {
    assert.deepEqual(normalizeStr(" C "), [" c", "c "]);
    assert.deepEqual(normalizeStr("2,500.456"), [2500.46]);
    assert.equal(evalOpen(["c"], ["cat"]), false);
  });

  test("a list of gold answers: any one matches", () => {
    assert.deepEqual(goldAnswers("['24/7', '3.43']"), ["24/7", "3.43"]);
    assert.deepEqual(goldAnswers("B"), ["B"]);
    assert.equal(scoreMmmu({ reference: { answer: "['1.5', '1.50']" }, response: "so x = 1.5", seed: "s" }).correct, true);
  });
});

const EVAL_UTILS = "MMMU-Benchmark/MMMU@bb0b95a945998d91dfef37e969e07d49d1139438 mmmu/utils/eval_utils.py";

describe("MMMU open answers with Python's semantics", () => {
  test(`${EVAL_UTILS} L65–74, L85–89: float() reads full-width and other Unicode digits`, () => {
    assert.deepEqual(normalizeStr("３６０"), [360]);
    assert.deepEqual(normalizeStr("٣,٦٠٠"), [3600]);
    assert.ok(parseOpenResponse("The answer is ３６０.").includes(360));
    assert.equal(scoreMmmu({ reference: { answer: "360" }, response: "The answer is ３６０.", seed: "s" }).correct, true);
  });

  test(`${EVAL_UTILS} L105–109: \\d is any decimal digit and \\b sees Unicode letters as word characters`, () => {
    assert.deepEqual(extractNumbers("10Ω"), [], "no boundary between 0 and Ω");
    assert.deepEqual(extractNumbers("答案是251米"), []);
    assert.deepEqual(extractNumbers("10 Ω and 10°"), ["10", "10"], "° is a symbol, not a word character");
    assert.deepEqual(extractNumbers("x = ٢٥١"), ["٢٥١"]);
    assert.deepEqual(extractNumbers("𝟏,𝟐𝟑𝟒 items"), ["𝟏,𝟐𝟑𝟒", "𝟐𝟑𝟒"], "astral digits, thousands commas");
    assert.equal(scoreMmmu({ reference: { answer: "251" }, response: "答案是251米", seed: "s" }).correct, false);
  });

  test(`${EVAL_UTILS} L91: round(x, 2) rounds exact ties to even`, () => {
    assert.deepEqual(normalizeStr("0.125"), [0.12]);
    assert.deepEqual(normalizeStr("0.375"), [0.38]);
    assert.deepEqual(normalizeStr("2.675"), [2.67], "the double is below the tie");
    assert.equal(scoreMmmu({ reference: { answer: "0.125" }, response: "The answer is 0.12", seed: "s" }).correct, true);
    assert.equal(scoreMmmu({ reference: { answer: "0.125" }, response: "The answer is 0.13", seed: "s" }).correct, false);
  });

  test(`${EVAL_UTILS} L83, L130, L143, L151: strip() uses Python's whitespace set`, () => {
    assert.deepEqual(normalizeStr("\x855\x1c"), [5], "U+0085 and U+001C are whitespace");
    assert.deepEqual(normalizeStr("\ufeff5"), ["\ufeff5"], "U+FEFF is not, and float() rejects it");
    assert.deepEqual(parseOpenResponse("The answer is \x855\x1c"), [5]);
    // No space after "is": the key is the tail after "answer ", which keeps U+0085 inside.
    assert.deepEqual(parseOpenResponse("The answer is\x855"), ["is\x855", 5]);
  });

  test(`${EVAL_UTILS} L96: len() counts code points, so one astral character is padded like one letter`, () => {
    assert.deepEqual(normalizeStr("😀"), [" 😀", "😀 "]);
    assert.deepEqual(normalizeStr("ab"), ["ab"]);
  });
});

describe("MMMU multiple choice", () => {
  const options = { A: "$6", B: "$7", C: "$8" };
  test("the parsed letter against the answer", () => {
    assert.deepEqual(scoreMmmu({ reference: { answer: "B", options }, response: "(B) $7", seed: "s" }), {
      correct: true,
      parsed: { choice: "B", method: "bracket" },
    });
    assert.equal(scoreMmmu({ reference: { answer: "A", options }, response: "(B) $7", seed: "s" }).correct, false);
  });
});

describe("parsePythonStringList (MMMU's options column)", () => {
  test("both quote kinds, escapes, empty lists; null for anything else", () => {
    assert.deepEqual(parsePythonStringList(`['It\\'s', "b, c", '', 'd\\\\e']`), ["It's", "b, c", "", "d\\e"]);
    assert.deepEqual(parsePythonStringList("[]"), []);
    assert.deepEqual(parsePythonStringList(" ['a',] "), ["a"]);
    assert.equal(parsePythonStringList("not a list"), null);
    assert.equal(parsePythonStringList("['a' 'b']"), null);
    assert.equal(parsePythonStringList("['a'] x"), null);
  });
});
