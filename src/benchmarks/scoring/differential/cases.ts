// The differential test's inputs: answers in the styles models and graders really produce, and the
// hostile ones where Python and JavaScript differ (full-width and other Unicode digits, letters
// glued to numbers, exact .xx5 ties, Unicode whitespace, astral characters), drawn from a seed.
// record-official.py runs the official evaluators on them once; official.test.ts checks that
// `generateCases(seed)` still gives the recorded inputs and that thinksafe decides as recorded.
//
//   npx tsx src/benchmarks/scoring/differential/cases.ts > cases.json     (default seed and counts)
import { readFileSync } from "node:fs";
import { sha256 } from "../../../provenance.ts";
import { namedRandom, type Random } from "../../../simulator/random.ts";

export const DIFFERENTIAL_SEED = "thinksafe-scoring-differential-1";

/** Cases per suite; the MMMU suites add the 1,800 real example responses of upstream's repository. */
export const DIFFERENTIAL_COUNTS = { "mmmu-mc": 4000, "mmmu-open": 4500, mmstar: 2500, pope: 2000, "mm-vet": 2000 } as const;

/** fixtures/mmmu-val-items.json: MMMU's validation items and example outputs, from MMMU-Benchmark/MMMU (Apache-2.0). */
export interface MmmuValItems {
  provenance: Record<string, string>;
  items: Record<string, { question_type: string; answer: string | string[]; options?: Record<string, string> }>;
  outputs: Array<{ model: string; id: string; response: string }>;
}

export type DifferentialCase =
  | { suite: "mmmu-mc"; id: string; item: string; response: string }
  | { suite: "mmmu-open"; id: string; item: string; response: string }
  | { suite: "mmmu-open"; id: string; gold: string | string[]; response: string }
  | { suite: "mmstar"; id: string; answer: string; prediction: string }
  | { suite: "pope"; id: string; label: "yes" | "no"; answer: string }
  | { suite: "mm-vet"; id: string; replies: Array<string | null> };

export function readMmmuValItems(): MmmuValItems {
  return JSON.parse(readFileSync(new URL("../fixtures/mmmu-val-items.json", import.meta.url), "utf8")) as MmmuValItems;
}

// ----- pools -----

/** Whitespace where Python and JavaScript agree and where they do not (U+FEFF, U+0085, U+001C–U+001F, U+180E, U+200B). */
const SPACES = [" ", " ", " ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", "\u2009", "\u202f", "\u000b", "\u000c", "\ufeff", "\u0085", "\u001c", "\u001d", "\u001e", "\u001f", "\u180e", "\u200b"];
/** Zeros of decimal digit sets: ASCII, full-width, Arabic-Indic, Extended Arabic-Indic, Devanagari, Thai, mathematical bold (astral). */
const DIGIT_ZEROS = [0x30, 0x30, 0x30, 0xff10, 0x660, 0x6f0, 0x966, 0xe50, 0x1d7ce];
/** Characters glued to numbers: Unicode letters (word characters in Python's re) and symbols (not). */
const GLUED = ["Ω", "米", "m", "kg", "é", "µ", "°", "%", "元", "個", "ñ", "ß", "x", "_", "²", "①", "Ⅳ", "$", "€", "ℓ", "м", "π", "😀"];
const FILLER = [
  "Let me think step by step.", "Looking at the image,", "we can see", "the figure shows", "Therefore", "so", "thus", "which gives", "hence",
  "Based on the diagram", "I believe", "after careful analysis", "the value", "is", "could be", "final", "answer", "result", "=", "approximately",
  "ΑΣ", "İstanbul", "straße", "ΣΊΣΥΦΟΣ", "答案是", "所以", "😀", "𝐁", "—", "…", "(see above)", "Option", "correct", "not", "NO",
];

function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function chance(random: Random, p: number): boolean {
  return random() < p;
}

function int(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

function space(random: Random): string {
  return pick(random, SPACES);
}

function words(random: Random, n: number): string {
  return Array.from({ length: n }, () => pick(random, FILLER)).join(" ");
}

/** The ASCII digits of `text` written in one digit set. */
function digitsIn(text: string, zero: number): string {
  return text.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));
}

/** A few characters of mixed kinds, for garbage answers. */
function garbage(random: Random): string {
  const parts = ["(", ")", ".", ",", "'", ":", "A", "b", "1", "0.5", "\u0000", "\\", "\"", "<", "&", "é", "😀", "\ud800", "..."];
  return Array.from({ length: int(random, 0, 6) }, () => (chance(random, 0.3) ? space(random) : pick(random, parts))).join("");
}

// ----- MMMU multiple choice -----

function mmmuChoiceResponse(random: Random, options: Record<string, string>): string {
  const letters = Object.keys(options);
  const letter = pick(random, letters);
  const other = pick(random, letters);
  const text = options[letter]!;
  const style = int(random, 0, 22);
  switch (style) {
    case 0: return letter;
    case 1: return `(${letter})`;
    case 2: return `${letter}.`;
    case 3: return `The answer is (${letter}).`;
    case 4: return `The answer is ${letter}`;
    case 5: return `Answer: ${letter}`;
    case 6: return `${letter.toLowerCase()}`;
    case 7: return `${String.fromCodePoint(0xff21 + letter.charCodeAt(0) - 65)}`; // full-width letter
    case 8: return `${space(random)}${letter}${space(random)}`;
    case 9: return `${words(random, int(random, 1, 8))} (${other}) ${words(random, int(random, 0, 4))} (${letter})${pick(random, ["", ".", "!", " ."])}`;
    case 10: return `${words(random, int(random, 2, 12))} ${text} ${words(random, int(random, 0, 6))}`;
    case 11: return `I think the correct option is ${text}`;
    case 12: return text;
    case 13: return `${letter}: ${text}`;
    case 14: return `(${letter}) ${text}`;
    case 15: return `${letter} or ${other}`;
    case 16: return `${words(random, int(random, 3, 5)).split(" ").join(space(random))}${space(random)}${text}`;
    case 17: return `${pick(random, [",", ".", "!", "?", ";", ":", "'"])}${letter}${pick(random, [",", ".", "!", "?", ";", ":", "'", "'.", ".'"])}`;
    case 18: return `A ${words(random, int(random, 2, 8))}`;
    case 19: return `${text.toUpperCase()} ${words(random, int(random, 4, 7))} ${options[other]!.toLowerCase()}`;
    case 20: return garbage(random);
    case 21: return `**${letter}**`;
    default: return `${words(random, int(random, 0, 30))}`;
  }
}

// ----- MMMU open answers -----

/** Gold answers of the kinds MMMU has, and exact .xx5 ties and near-ties. */
function openGold(random: Random): string | string[] {
  const style = int(random, 0, 11);
  switch (style) {
    case 0: return `${int(random, 0, 99)}.${pick(random, ["125", "375", "625", "875"])}`; // exact ties
    case 1: return `${pick(random, ["", "-"])}${int(random, 0, 30)}.${int(random, 0, 999).toString().padStart(3, "0")}`;
    case 2: return String(int(random, -200, 5000));
    case 3: return `${int(random, 1, 999)},${int(random, 0, 999).toString().padStart(3, "0")}`;
    case 4: return pick(random, ["A", "B", "C", "x", "é", "Ω"]);
    case 5: return pick(random, ["Paris", "Transformation", "trans-1-Chloro-4-methylcyclohexane", "embryonic", "$MgS$", "1/64", "Straße", "ΣΟΦΙΑ"]);
    case 6: return `${int(random, 1, 9)}e-${int(random, 1, 4)}`;
    case 7: return [`${int(random, 1, 30)}/${int(random, 2, 9)}`, `${int(random, 0, 9)}.${int(random, 0, 999)}`];
    case 8: return digitsIn(String(int(random, 0, 999)), pick(random, DIGIT_ZEROS));
    case 9: return `${pick(random, ["0", "1", "2"])}.${pick(random, ["005", "015", "675", "345", "135", "565"])}`;
    case 10: return `${int(random, 0, 9)}${pick(random, [".0", ".00", ".10", ".5", ""])}`;
    default: return `${space(random)}${int(random, 0, 99)}.${int(random, 0, 99)}${space(random)}`;
  }
}

/** Thousands separated by commas ("1234567.5" → "1,234,567.5"), without locale data, so every Node writes the same. */
function withThousands(text: string): string {
  return text.replace(/^(-?)(\d+)/, (_, sign: string, digits: string) => sign + digits.replace(/\B(?=(\d{3})+$)/g, ","));
}

/** The gold's text (its first element for a list), perturbed the ways answers differ from it. */
function openValue(random: Random, gold: string | string[]): string {
  const base = Array.isArray(gold) ? pick(random, gold) : gold;
  const number = Number(base.replaceAll(",", "").trim());
  const style = int(random, 0, 9);
  if (!Number.isFinite(number) || style === 0) return base;
  switch (style) {
    case 1: return String(Math.round(number * 100) / 100);
    case 2: return number.toFixed(int(random, 0, 4));
    case 3: return digitsIn(String(number), pick(random, DIGIT_ZEROS));
    case 4: return number.toExponential(int(random, 0, 3));
    case 5: return withThousands(String(number));
    case 6: return String(number + pick(random, [0.01, -0.01, 0.005, -0.005, 1, 0.001]));
    case 7: return `${number < 0 ? "-" : ""}${Math.abs(number)}`.replace(/^(-?)0\./, "$1.");
    case 8: return String(-number);
    default: return base;
  }
}

function mmmuOpenResponse(random: Random, gold: string | string[]): string {
  const value = openValue(random, gold);
  const style = int(random, 0, 19);
  switch (style) {
    case 0: return value;
    case 1: return `The answer is ${value}.`;
    case 2: return `The answer is ${digitsIn(value, pick(random, DIGIT_ZEROS))}.`;
    case 3: return `${value}${pick(random, GLUED)}`;
    case 4: return `答案是${value}${pick(random, ["米", "元", "個", ""])}`;
    case 5: return `${pick(random, GLUED)}${value}`;
    case 6: return `So x = ${value}`;
    case 7: return `${words(random, int(random, 2, 12))}\n${words(random, int(random, 1, 6))} ${value}\nTherefore, the result is ${value}${pick(random, [" m", "m", " %", "", "."])}`;
    case 8: return `${space(random)}${value}${space(random)}`;
    case 9: return `The final answer is${space(random)}${value}${space(random)}.`;
    case 10: return `${words(random, int(random, 0, 10))} ${value} ${words(random, int(random, 0, 10))}`;
    case 11: return `≈${value}`;
    case 12: return `${value}, or maybe ${openValue(random, gold)}`;
    case 13: return `The result is ${value}_${int(random, 0, 9)}`;
    case 14: return `${value}.${pick(random, ["", ".", " "])}`;
    case 15: return `x is ${value}${space(random)}\nso the answer is ${pick(random, [value, "unknown", "C", "'"])}`;
    case 16: return garbage(random);
    case 17: return `It could be ${value.replace(/[0-9]/g, (d) => (chance(random, 0.2) ? `${d},` : d))}`;
    case 18: return `Answer: ${value.toUpperCase()}`;
    default: return `${words(random, int(random, 0, 25))}`;
  }
}

// ----- MMStar -----

function mmstarPrediction(random: Random, answer: string): string {
  const letter = chance(random, 0.7) ? answer : pick(random, ["A", "B", "C", "D"]);
  const style = int(random, 0, 16);
  switch (style) {
    case 0: return letter;
    case 1: return `(${letter})`;
    case 2: return `${letter}. ${words(random, int(random, 1, 5))}`;
    case 3: return `Option ${letter}`;
    case 4: return `The answer is ${letter}.`;
    case 5: return `The answer is (${letter})`;
    case 6: return `Answer: ${letter}`;
    case 7: return `${space(random)}${letter}`;
    case 8: return `${space(random)}${space(random)}(${letter.toLowerCase()})${space(random)}`;
    case 9: return `${pick(random, ["OPTION", "option", "Option"])}${pick(random, [" ", "\u00a0", "  ", "\n"])}${letter}`;
    case 10: return `THE ANSWER IS${pick(random, [" ", "\n", "  ", "\u3000"])}${letter}`;
    case 11: return `${String.fromCodePoint(0xff21 + letter.charCodeAt(0) - 65)}`;
    case 12: return `${pick(random, ["😀", "𝐁", "İ", "Σ", "\ufeff", "\u0085", "\u001c"])}${letter}`;
    case 13: return `I think ${letter}`;
    case 14: return garbage(random);
    case 15: return `\n${letter}\n`;
    default: return words(random, int(random, 0, 8));
  }
}

// ----- POPE -----

function popeAnswer(random: Random): string {
  const style = int(random, 0, 15);
  switch (style) {
    case 0: return pick(random, ["Yes", "No", "yes", "no", "Yes.", "No.", "YES", "NO", "Nope", "Not"]);
    case 1: return `Yes, there is a ${pick(random, ["dog", "cat", "car"])} in the image.`;
    case 2: return `No, there is no ${pick(random, ["dog", "cat", "car"])} in the image.`;
    case 3: return `There is not a ${pick(random, ["dog", "cat"])}${pick(random, [".", "", " here."])}`;
    case 4: return `${pick(random, ["No", "no", "not"])}${pick(random, SPACES)}${words(random, int(random, 0, 4))}`;
    case 5: return `${pick(random, ["Yes", "I see it"])}. ${pick(random, ["No", "no"])} doubt${pick(random, [".", ""])}`;
    case 6: return `${pick(random, ["No", "no"])},${pick(random, ["there", " there", ""])}`;
    case 7: return `${words(random, int(random, 0, 6))} ${pick(random, ["no", "not", "No", "nothing", "none", "cannot"])} ${words(random, int(random, 0, 4))}`;
    case 8: return `${pick(random, ["\ufeff", "\u00a0", "\u3000", "\n", " "])}${pick(random, ["No", "no", "Yes"])}`;
    case 9: return `${pick(random, ["No", "no"])}${pick(random, ["…", "!", "?", ";", ":", "'"])} ${words(random, 2)}`;
    case 10: return "";
    case 11: return `(${pick(random, ["No", "Yes"])})`;
    case 12: return `There is a ${pick(random, ["dog", "cat"])}, not a ${pick(random, ["dog", "cat"])}.`;
    case 13: return garbage(random);
    case 14: return `${pick(random, ["No", "not"])}.${pick(random, ["", " "])}${words(random, 3)}`;
    default: return words(random, int(random, 1, 12));
  }
}

// ----- MM-Vet grader replies -----

/** One grader reply: the forms GPT-4 gives with max_tokens 3, and the ones other graders give. */
function graderReply(random: Random): string | null {
  const score = `${int(random, 0, 10) / 10}`.replace(/^1$/, "1.0").replace(/^0$/, "0.0");
  const style = int(random, 0, 24);
  switch (style) {
    case 0: case 1: case 2: return score;
    case 3: return score.replace(".", ",");
    case 4: return `${int(random, 1, 9)}e-${int(random, 1, 2)}`;
    case 5: return `${score}\n`;
    case 6: return ` ${score}`;
    case 7: return `${score} ${words(random, 2)}`;
    case 8: return `${space(random)}${score}${space(random)}`;
    case 9: return digitsIn(score, pick(random, DIGIT_ZEROS));
    case 10: return pick(random, ["nan", "NaN", "inf", "-inf", "Infinity", "-0", "-0.0", "1", "0", "1.5", "-0.1", "10", "5/10", "85%"]);
    case 11: return pick(random, ["0_5", "0.1_0", "1_0", ".5", "5.", "1e0", "1E-1", "0x1", "0.5.", "0..5", "+0.5", "+.5", "1.", "0.5/1"]);
    case 12: return `${pick(random, ["Correctness:", "Score:", "The"])} ${score}`;
    case 13: return `${score}${pick(random, ["\u00a0x", "\u2028", "\x1c", "\ufeff", "\x85", "]", "."])}`;
    case 14: return `${pick(random, ["\ufeff", "\x1c", "\x85", "\u00a0", "\u3000", "\t", "\n"])}${score}`;
    case 15: return garbage(random);
    case 16: return null;
    case 17: return "";
    case 18: return `${score}${score}`;
    case 19: return `0.${int(random, 0, 99)}`;
    default: return score;
  }
}

/** Six scripted replies (upstream asks at most six times); a run of unreadable ones before a score, so re-asks are exercised. */
function graderReplies(random: Random): Array<string | null> {
  const unreadable = chance(random, 0.5) ? int(random, 1, 6) : 0;
  return Array.from({ length: 6 }, (_, i) => (i < unreadable && chance(random, 0.8) ? pick(random, ["0,5", " 0.5", "Correct", "", null, "1.5", "x", "0.5.", "-1"]) : graderReply(random)));
}

// ----- all cases -----

export function generateCases(seed: string = DIFFERENTIAL_SEED, counts: Record<keyof typeof DIFFERENTIAL_COUNTS, number> = DIFFERENTIAL_COUNTS, mmmu: MmmuValItems = readMmmuValItems()): DifferentialCase[] {
  const ids = Object.keys(mmmu.items).sort();
  const choiceItems = ids.filter((id) => mmmu.items[id]!.options);
  const openItems = ids.filter((id) => !mmmu.items[id]!.options);
  const cases: DifferentialCase[] = [];
  // The real responses first: both models' answers to every validation item.
  mmmu.outputs.forEach(({ model, id, response }) => {
    const suite = mmmu.items[id]!.options ? "mmmu-mc" : "mmmu-open";
    cases.push({ suite, id: `${suite}-real-${model}-${id}`, item: id, response } as DifferentialCase);
  });
  const random = namedRandom(`${seed}/mmmu-mc`);
  for (let n = 0; n < counts["mmmu-mc"]; n++) {
    const item = pick(random, choiceItems);
    cases.push({ suite: "mmmu-mc", id: `mmmu-mc-${n}`, item, response: mmmuChoiceResponse(random, mmmu.items[item]!.options!) });
  }
  const open = namedRandom(`${seed}/mmmu-open`);
  for (let n = 0; n < counts["mmmu-open"]; n++) {
    if (chance(open, 0.3)) {
      const item = pick(open, openItems);
      cases.push({ suite: "mmmu-open", id: `mmmu-open-${n}`, item, response: mmmuOpenResponse(open, mmmu.items[item]!.answer) });
    } else {
      const gold = openGold(open);
      cases.push({ suite: "mmmu-open", id: `mmmu-open-${n}`, gold, response: mmmuOpenResponse(open, gold) });
    }
  }
  const star = namedRandom(`${seed}/mmstar`);
  for (let n = 0; n < counts.mmstar; n++) {
    const answer = pick(star, ["A", "B", "C", "D"]);
    cases.push({ suite: "mmstar", id: `mmstar-${n}`, answer, prediction: mmstarPrediction(star, answer) });
  }
  const pope = namedRandom(`${seed}/pope`);
  for (let n = 0; n < counts.pope; n++) {
    cases.push({ suite: "pope", id: `pope-${n}`, label: pick(pope, ["yes", "no"] as const), answer: popeAnswer(pope) });
  }
  const vet = namedRandom(`${seed}/mm-vet`);
  for (let n = 0; n < counts["mm-vet"]; n++) cases.push({ suite: "mm-vet", id: `mm-vet-${n}`, replies: graderReplies(vet) });
  return cases;
}

/** Identifies a list of cases: the fixture records it, so a changed generator cannot pass for the recorded one. */
export function casesHash(cases: readonly DifferentialCase[]): string {
  return sha256(JSON.stringify(cases));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cases = generateCases();
  const provenance = { seed: DIFFERENTIAL_SEED, counts: DIFFERENTIAL_COUNTS, n: cases.length, sha256: casesHash(cases), generator: "src/benchmarks/scoring/differential/cases.ts" };
  process.stdout.write(`${JSON.stringify({ provenance, cases })}\n`);
}
