import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { decimalValue, isPythonSpace, PY_DIGIT, PY_WORD, pythonCharAt, pythonFloat, pythonLength, pythonRound, pythonSplit, pythonStrip } from "./python-text.ts";

/** Recorded from CPython by differential/record-python-semantics.py (see its provenance). */
interface PythonSemantics {
  provenance: { python: string; unicode: string; seed: number; command: string };
  assigned: [number, number][];
  word: [number, number][];
  digit: [number, number, number][];
  space: number[];
  lower: Record<string, string>;
  float: [string, number | "nan" | "inf" | "-inf" | null][];
  round: [number, number, number | "nan" | "inf" | "-inf"][];
}
const python = JSON.parse(readFileSync(new URL("./fixtures/python-semantics.json", import.meta.url), "utf8")) as PythonSemantics;

function inRanges(ranges: readonly (readonly number[])[]): (cp: number) => boolean {
  const set = new Set<number>();
  for (const [lo, hi] of ranges) for (let cp = lo!; cp <= hi!; cp++) set.add(cp);
  return (cp) => set.has(cp);
}

function fromJson(value: number | "nan" | "inf" | "-inf"): number {
  return value === "nan" ? NaN : value === "inf" ? Infinity : value === "-inf" ? -Infinity : value;
}

describe(`Python ${python.provenance.python} string semantics (Unicode ${python.provenance.unicode}) on every assigned code point`, () => {
  const assigned = inRanges(python.assigned);
  const codePoints = Array.from({ length: 0x110000 }, (_, cp) => cp).filter((cp) => assigned(cp) && (cp < 0xd800 || cp > 0xdfff));

  test("re's \\w and \\d are [\\p{L}\\p{N}_] and \\p{Nd}; \\s and str.isspace() are isPythonSpace", () => {
    const word = new RegExp(`^${PY_WORD}$`, "u");
    const digit = new RegExp(`^${PY_DIGIT}$`, "u");
    const isWord = inRanges(python.word);
    const isDigit = inRanges(python.digit);
    const spaces = new Set(python.space);
    const wrong: string[] = [];
    for (const cp of codePoints) {
      const char = String.fromCodePoint(cp);
      if (word.test(char) !== isWord(cp)) wrong.push(`\\w U+${cp.toString(16)}`);
      if (digit.test(char) !== isDigit(cp)) wrong.push(`\\d U+${cp.toString(16)}`);
      if (isPythonSpace(char) !== spaces.has(cp)) wrong.push(`\\s U+${cp.toString(16)}`);
    }
    assert.deepEqual(wrong.slice(0, 20), []);
    // The differences from JavaScript that matter: U+FEFF is not Python whitespace, U+001C and U+0085 are.
    assert.deepEqual(["\ufeff", "\x1c", "\x85"].map(isPythonSpace), [false, true, true]);
  });

  test("each decimal digit's value, as float() reads it", () => {
    for (const [lo, hi, first] of python.digit) {
      for (let cp = lo; cp <= hi; cp++) assert.equal(decimalValue(String.fromCodePoint(cp)), (cp - lo + first) % 10, `U+${cp.toString(16)}`);
    }
  });

  test("str.lower() is toLowerCase() for every assigned character", () => {
    const wrong = codePoints.filter((cp) => {
      const char = String.fromCodePoint(cp);
      return char.toLowerCase() !== (python.lower[cp] ?? char);
    });
    assert.deepEqual(wrong.slice(0, 20), []);
  });
});

describe("Python's float() and round()", () => {
  test(`float(text) on ${python.float.length} texts recorded from CPython: the value, or null where it raises ValueError`, () => {
    const wrong = python.float.filter(([text, value]) => {
      const ours = pythonFloat(text);
      return value === null ? ours !== null : ours === null || !Object.is(ours, fromJson(value));
    });
    assert.deepEqual(wrong.slice(0, 10), []);
    // The cases the issue names: full-width digits read, U+FEFF is not whitespace, U+001C is not float()'s.
    assert.equal(pythonFloat("３６０"), 360);
    assert.equal(pythonFloat("\ufeff1"), null);
    assert.equal(pythonFloat("\x1c1"), null);
    assert.equal(pythonFloat("\x851"), 1);
  });

  test(`round(x, n) on ${python.round.length} doubles recorded from CPython, exact ties to even`, () => {
    const wrong = python.round.filter(([x, n, value]) => !Object.is(pythonRound(x, n), fromJson(value)));
    assert.deepEqual(wrong.slice(0, 10), []);
    assert.equal(pythonRound(0.125, 2), 0.12, "an exact tie goes to even (toFixed gives 0.13)");
    assert.equal(pythonRound(0.375, 2), 0.38);
    assert.equal(pythonRound(-0.125, 2), -0.12);
    assert.equal(pythonRound(2.675, 2), 2.67, "the double 2.675 is below the tie");
  });
});

describe("strip, split, len and indexing", () => {
  test("Python's whitespace set and code points, not UTF-16 units", () => {
    assert.equal(pythonStrip("\x1c\x85 B\u3000"), "B");
    assert.equal(pythonStrip("\ufeffB"), "\ufeffB");
    assert.equal(pythonStrip("..a.b..", "."), "a.b");
    assert.equal(pythonStrip("😀a😀😀", "😀"), "a", "astral characters strip whole");
    assert.equal(pythonStrip("\u3000😀\ud800 "), "😀\ud800", "a lone surrogate is one character, not whitespace");
    assert.deepEqual(pythonSplit("a\ufeffb \x1cc\x85d  "), ["a\ufeffb", "c", "d"]);
    assert.deepEqual(pythonSplit(""), []);
    assert.equal(pythonLength("😀a"), 2);
    assert.equal(pythonCharAt("😀a", 1), "a");
    assert.equal(pythonCharAt("a", 1), undefined);
  });
});
