// MMMU's official scoring (MMMU-Benchmark/MMMU@bb0b95a, mmmu/utils/eval_utils.py, Apache-2.0),
// re-implemented with Python's string semantics (python-text.ts): multiple-choice items through
// `parseMultiChoiceResponse` (seeded fallback, see multiple-choice.ts), open items through
// upstream's `parse_open_response` + `eval_open` (key phrases after "is", "so", "answer"…, numbers
// normalised to floats rounded to 2 decimals, string answers matched as substrings). Every decision
// equals upstream's on the differential fixture (differential/official.test.ts). Accuracy is
// correct / items, overall and per subject.
import { parseMultiChoiceResponse, type ParsedChoice } from "./multiple-choice.ts";
import { PY_BOUNDARY_AFTER_WORD, PY_BOUNDARY_BEFORE_WORD, PY_DIGIT, pythonFloat, pythonLength, pythonRound, pythonStrip } from "./python-text.ts";

export interface MmmuScoreInput {
  /** The sample's `reference`: the answer (a letter, an open answer, or a Python-style list of either) and, for multiple choice, the options. */
  reference: { answer: string; options?: Record<string, string> };
  /** The model's answer (thinking removed). */
  response: string;
  /** Seeds the fallback choice; use the sample id. */
  seed: string;
}

export interface MmmuScore {
  correct: boolean;
  /** Multiple choice: the letter picked and how. */
  parsed?: ParsedChoice;
  /** Open: the normalised candidate answers taken from the response. */
  predictions?: Array<string | number>;
}

/** Scores one MMMU answer: multiple choice when the reference has options, open otherwise. */
export function scoreMmmu({ reference, response, seed }: MmmuScoreInput): MmmuScore {
  const gold = goldAnswers(reference.answer);
  if (reference.options && Object.keys(reference.options).length > 0) {
    const parsed = parseMultiChoiceResponse(response, reference.options, seed);
    return { correct: gold.includes(parsed.choice), parsed };
  }
  const predictions = parseOpenResponse(response);
  return { correct: evalOpen(gold, predictions), predictions };
}

/** The gold answers: a Python-style list literal (`['1.5', '1.50']`) gives its elements, anything else itself. */
export function goldAnswers(answer: string): string[] {
  if (answer.trimStart().startsWith("[")) {
    const list = parsePythonStringList(answer);
    if (list) return list;
  }
  return [answer];
}

/**
 * A Python list of string literals (`['a', "b's", 'c\'d']`, as MMMU's `options` column holds it),
 * or null when the text is not one. Handles both quote kinds and the usual backslash escapes.
 */
export function parsePythonStringList(text: string): string[] | null {
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skip();
  if (text[i] !== "[") return null;
  i++;
  const items: string[] = [];
  skip();
  if (text[i] === "]") {
    i++;
    skip();
    return i === text.length ? items : null;
  }
  for (;;) {
    skip();
    const quote = text[i];
    if (quote !== "'" && quote !== '"') return null;
    i++;
    let value = "";
    for (;;) {
      if (i >= text.length) return null;
      const char = text[i]!;
      if (char === quote) {
        i++;
        break;
      }
      if (char === "\\") {
        const next = text[i + 1];
        if (next === undefined) return null;
        const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "\n": "" };
        if (next in simple) {
          value += simple[next];
          i += 2;
        } else if (next === "u" || next === "x") {
          const length = next === "u" ? 4 : 2;
          const hex = text.slice(i + 2, i + 2 + length);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) return null;
          value += String.fromCharCode(parseInt(hex, 16));
          i += 2 + length;
        } else {
          // Python keeps unknown escapes as written.
          value += char + next;
          i += 2;
        }
        continue;
      }
      value += char;
      i++;
    }
    items.push(value);
    skip();
    if (text[i] === ",") {
      i++;
      skip();
      if (text[i] === "]") break; // trailing comma
      continue;
    }
    if (text[i] === "]") break;
    return null;
  }
  i++;
  skip();
  return i === text.length ? items : null;
}

// ----- open questions: upstream's parse_open_response / eval_open -----

const INDICATORS = ["could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result "];
const TRIVIAL = new Set([":", ",", ".", "!", "?", ";", "'"]);

/** Upstream's `check_is_number` (eval_utils.py L65–74): Python `float()` accepts the text once commas are removed. */
export function isNumber(text: string): boolean {
  return pythonFloat(text.replaceAll(",", "")) !== null;
}

/**
 * Upstream's `normalize_str` (L76–98): a number becomes itself rounded to 2 decimals (Python's
 * `round`, exact ties to even); other text is lower-cased, and a single character (code point)
 * becomes `[" x", "x "]` so it does not match inside words.
 */
export function normalizeStr(text: string): Array<string | number> {
  const stripped = pythonStrip(text);
  const number = pythonFloat(stripped.replaceAll(",", ""));
  if (number !== null) return [pythonRound(number, 2)];
  const lower = stripped.toLowerCase();
  if (pythonLength(lower) === 1) return [` ${lower}`, `${lower} `];
  return [lower];
}

// Upstream's three patterns (L105–109) with Python re's Unicode `\d` and `\b`, sticky: `findAll` scans.
const D = PY_DIGIT;
const WITH_COMMAS = new RegExp(`-?${PY_BOUNDARY_BEFORE_WORD}${D}{1,3}(?:,${D}{3})+${PY_BOUNDARY_AFTER_WORD}`, "uy");
const SCIENTIFIC = new RegExp(`-?${D}+(?:\\.${D}+)?[eE][+-]?${D}+`, "uy");
const SIMPLE = new RegExp(`-?(?:${D}+\\.${D}+|\\.${D}+|${D}+${PY_BOUNDARY_AFTER_WORD})(?![eE][+-]?${D}+)(?![,${D}])`, "uy");
const DIGIT_RUN = new RegExp(`${D}+`, "uy");

/** Upstream's `extract_numbers` (L100–120): numbers with thousands commas, then scientific, then plain ones. */
export function extractNumbers(text: string): string[] {
  return [...findAll(WITH_COMMAS, text), ...findAll(SCIENTIFIC, text), ...findAll(SIMPLE, text)];
}

/**
 * `re.findall` for the three patterns, in linear time on long digit runs (where trying every start,
 * as a regex engine does, takes quadratic time: a model that repeats a digit 30,000 times would stall
 * the run). Each pattern's digits before a `.`, `e`, or the end of the match must be a whole digit
 * run, so when a match fails at the start of a run it fails at every later start in it: those are
 * skipped. Same matches as the plain scan (the differential fixture checks it).
 */
function findAll(pattern: RegExp, text: string): string[] {
  const found: string[] = [];
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match) {
      found.push(match[0]);
      at += match[0].length;
      continue;
    }
    DIGIT_RUN.lastIndex = at;
    at = DIGIT_RUN.test(text) ? DIGIT_RUN.lastIndex : at + String.fromCodePoint(text.codePointAt(at)!).length;
  }
  return found;
}

/** Upstream's `get_key_subresponses` (L128–155): the shortest tail after an answer indicator, per line. */
function keySubresponses(response: string): string[] {
  const text = pythonStrip(pythonStrip(response), ".").toLowerCase();
  // Upstream splits on /\.\s(?=[A-Z])|\n/ after lower-casing, so only newlines ever split.
  const parts = text.split("\n");
  const keys: string[] = [];
  parts.forEach((part, index) => {
    const indicators = index === parts.length - 1 ? [...INDICATORS, "="] : INDICATORS;
    let shortest: string | null = null;
    for (const indicator of indicators) {
      if (!part.includes(indicator)) continue;
      const tail = pythonStrip(part.split(indicator).at(-1)!);
      if (!shortest || pythonLength(tail) < pythonLength(shortest)) shortest = tail;
    }
    if (shortest && !TRIVIAL.has(pythonStrip(shortest))) keys.push(shortest);
  });
  return keys.length ? keys : [text];
}

/** Upstream's `parse_open_response` (L122–171): key phrases and the numbers in them, normalised, without duplicates (first-seen order; upstream's is a set's). */
export function parseOpenResponse(response: string): Array<string | number> {
  const keys = keySubresponses(response);
  const candidates = [...keys, ...keys.flatMap(extractNumbers)];
  const seen = new Set<string>();
  const out: Array<string | number> = [];
  for (const value of candidates.flatMap(normalizeStr)) {
    const key = `${typeof value}:${value}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(value);
    }
  }
  return out;
}

/** Upstream's `eval_open` (L191–216): a number must equal a gold number; a string must contain a gold string. */
export function evalOpen(gold: readonly string[], predictions: ReadonlyArray<string | number>): boolean {
  const normalised = gold.flatMap(normalizeStr);
  for (const prediction of predictions) {
    if (typeof prediction === "string") {
      if (normalised.some((answer) => typeof answer === "string" && prediction.includes(answer))) return true;
    } else if (normalised.some((answer) => answer === prediction)) {
      return true;
    }
  }
  return false;
}
