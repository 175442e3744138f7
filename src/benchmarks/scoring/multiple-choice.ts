// Multiple-choice answer extraction from free text, as MMMU's official evaluation does it
// (MMMU-Benchmark/MMMU@bb0b95a, mmmu/utils/eval_utils.py L10–62 `parse_multi_choice_response`),
// with Python's string semantics (python-text.ts) and one deliberate change: where upstream falls
// back to `random.choice` (seeded once per process with 42, so the pick depends on how many items
// came before and in which order), thinksafe picks with a hash of a caller-given seed, so the same
// item and seed always give the same letter, in any order and on any machine; the method `random`
// says so (scores.parquet's `method`). Every other decision equals upstream's on the differential
// fixture (differential/official.test.ts).
//
// Also MMStar's official rule (MMStar-Benchmark/MMStar@88f243a, eval/vlmeval/evaluate/mmstar.py
// L53–69), which only looks at the start of the answer, and plain accuracy.
import { createHash } from "node:crypto";
import { pythonCharAt, pythonSplit, pythonStrip } from "./python-text.ts";

/** How the choice was found: `(B)` in the text, a bare ` B `, an option's text, or the seeded fallback. */
export type ChoiceMethod = "bracket" | "letter" | "text" | "random";

export interface ParsedChoice {
  /** One of the option letters; always set (the fallback guarantees it). */
  choice: string;
  method: ChoiceMethod;
}

/** Characters stripped from both ends of the response before matching (upstream's list, in order). */
const STRIPPED = [",", ".", "!", "?", ";", ":", "'"];

/**
 * The letter a free-text `response` picks among `options` (letter → option text, in order):
 *
 * 1. strip `, . ! ? ; : '` from both ends (one character kind after the other, as upstream) and pad
 *    with a space on each side;
 * 2. every letter written `(X)` is a candidate; else every letter written ` X ` (spaces around);
 * 3. else, when the response has more than 5 whitespace-separated words, every option whose text
 *    occurs in it (case-insensitive);
 * 4. of several candidates, the one whose last occurrence is latest (the first such in letter order
 *    on a tie, as numpy's argmax); with none, `seededChoice(letters, seed)`.
 */
export function parseMultiChoiceResponse(response: string, options: Record<string, string>, seed: string): ParsedChoice {
  const letters = Object.keys(options);
  if (letters.length === 0) throw new Error("parseMultiChoiceResponse needs at least one option");
  let text = response;
  for (const char of STRIPPED) text = pythonStrip(text, char);
  text = ` ${text} `;

  let method: ChoiceMethod = "bracket";
  let candidates = letters.filter((letter) => text.includes(`(${letter})`));
  if (candidates.length === 0) {
    method = "letter";
    candidates = letters.filter((letter) => text.includes(` ${letter} `));
  }
  if (candidates.length === 0 && pythonSplit(text).length > 5) {
    method = "text";
    const lower = text.toLowerCase();
    candidates = letters.filter((letter) => lower.includes(options[letter]!.toLowerCase()));
  }
  if (candidates.length === 0) return { choice: seededChoice(letters, seed), method: "random" };
  if (candidates.length === 1) return { choice: candidates[0]!, method };

  const lower = text.toLowerCase();
  const position = (letter: string): number =>
    method === "bracket"
      ? text.lastIndexOf(`(${letter})`)
      : method === "letter"
        ? text.lastIndexOf(` ${letter} `)
        : lower.lastIndexOf(options[letter]!.toLowerCase());
  let best = candidates[0]!;
  let bestAt = position(best);
  for (const letter of candidates.slice(1)) {
    const at = position(letter);
    if (at > bestAt) [best, bestAt] = [letter, at];
  }
  return { choice: best, method };
}

/**
 * A deterministic stand-in for `random.choice`: the first 6 bytes of sha256(seed) as an integer,
 * modulo the number of choices. The same seed always picks the same element.
 */
export function seededChoice<T>(choices: readonly T[], seed: string): T {
  if (choices.length === 0) throw new Error("seededChoice needs at least one choice");
  const n = createHash("sha256").update(seed).digest().readUIntBE(0, 6);
  return choices[n % choices.length]!;
}

/**
 * MMStar's official rule (mmstar.py L53–69): both texts lower-cased, stripped of Python's whitespace
 * and with newlines as spaces; the answer letter is correct when the prediction's first character
 * is it, or the prediction starts with `(`, `option ` or `the answer is ` followed by it (characters
 * are code points, as Python indexes). Anything else (a letter later in the text) is wrong.
 */
export function mmstarCorrect(prediction: string, answer: string): boolean {
  const gold = pythonStrip(answer.toLowerCase()).replaceAll("\n", " ");
  const text = pythonStrip(prediction.toLowerCase()).replaceAll("\n", " ");
  const at = (i: number) => pythonCharAt(text, i);
  return (
    gold === at(0) ||
    (at(0) === "(" && gold === at(1)) ||
    (text.startsWith("option ") && gold === at(7)) ||
    (text.startsWith("the answer is ") && gold === at(14))
  );
}

export interface Accuracy {
  correct: number;
  total: number;
  /** correct / total; null when there is nothing to score. */
  accuracy: number | null;
}

export function accuracy(results: readonly boolean[]): Accuracy {
  const correct = results.filter(Boolean).length;
  return { correct, total: results.length, accuracy: results.length ? correct / results.length : null };
}

/** Accuracy per group (in first-seen order) and overall. */
export function groupedAccuracy(results: readonly { group: string; correct: boolean }[]): { overall: Accuracy; groups: Map<string, Accuracy> } {
  const byGroup = new Map<string, boolean[]>();
  for (const { group, correct } of results) {
    const list = byGroup.get(group) ?? [];
    list.push(correct);
    byGroup.set(group, list);
  }
  return {
    overall: accuracy(results.map((r) => r.correct)),
    groups: new Map([...byGroup].map(([group, list]) => [group, accuracy(list)])),
  };
}
