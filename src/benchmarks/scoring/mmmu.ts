// MMMU's official scoring (MMMU-Benchmark/MMMU, eval/eval_utils.py), re-implemented: multiple-choice
// items through `parseMultiChoiceResponse` (seeded fallback, see multiple-choice.ts), open items
// through upstream's `parse_open_response` + `eval_open` (key phrases after "is", "so", "answer"…,
// numbers normalised to floats rounded to 2 decimals, string answers matched as substrings).
// Accuracy is correct / items, overall and per subject.
import { parseMultiChoiceResponse, type ParsedChoice } from "./multiple-choice.ts";

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

/** Upstream's `check_is_number`: Python `float()` accepts the text once commas are removed. */
export function isNumber(text: string): boolean {
  return pythonFloat(text.replaceAll(",", "")) !== null;
}

/**
 * Upstream's `normalize_str`: a number becomes itself rounded to 2 decimals; other text is
 * lower-cased, and a single character becomes `[" x", "x "]` so it does not match inside words.
 */
export function normalizeStr(text: string): Array<string | number> {
  const trimmed = text.trim();
  const number = pythonFloat(trimmed.replaceAll(",", ""));
  if (number !== null) return [round2(number)];
  const lower = trimmed.toLowerCase();
  if (lower.length === 1) return [` ${lower}`, `${lower} `];
  return [lower];
}

/** Upstream's `extract_numbers`: numbers with thousands commas, then scientific, then plain ones. */
export function extractNumbers(text: string): string[] {
  const withCommas = text.match(/-?\b\d{1,3}(?:,\d{3})+\b/g) ?? [];
  const scientific = text.match(/-?\d+(?:\.\d+)?[eE][+-]?\d+/g) ?? [];
  const simple = text.match(/-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])/g) ?? [];
  return [...withCommas, ...scientific, ...simple];
}

/** Upstream's `get_key_subresponses`: the shortest tail after an answer indicator, per line. */
function keySubresponses(response: string): string[] {
  const text = pythonStrip(response.trim(), ".").toLowerCase();
  // Upstream splits on /\.\s(?=[A-Z])|\n/ after lower-casing, so only newlines ever split.
  const parts = text.split(/\.\s(?=[A-Z])|\n/);
  const keys: string[] = [];
  parts.forEach((part, index) => {
    const indicators = index === parts.length - 1 ? [...INDICATORS, "="] : INDICATORS;
    let shortest: string | null = null;
    for (const indicator of indicators) {
      if (!part.includes(indicator)) continue;
      const tail = part.split(indicator).at(-1)!.trim();
      if (!shortest || tail.length < shortest.length) shortest = tail;
    }
    if (shortest && !TRIVIAL.has(shortest.trim())) keys.push(shortest);
  });
  return keys.length ? keys : [text];
}

/** Upstream's `parse_open_response`: key phrases and the numbers in them, normalised, without duplicates. */
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

/** Upstream's `eval_open`: a number must equal a gold number; a string must contain a gold string. */
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

/** Python's `float(text)` for decimal text (with surrounding whitespace, inf and nan); null where Python raises. */
function pythonFloat(text: string): number | null {
  const t = text.trim().replaceAll(/(?<=\d)_(?=\d)/g, "");
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  return null;
}

/** Python's `round(x, 2)` (to the nearest representable 2-decimal value). */
function round2(x: number): number {
  if (!Number.isFinite(x)) return x;
  return Number(x.toFixed(2));
}

function pythonStrip(text: string, char: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === char) start++;
  while (end > start && text[end - 1] === char) end--;
  return text.slice(start, end);
}
