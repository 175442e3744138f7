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
