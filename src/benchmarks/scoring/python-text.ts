// Python 3's string semantics where they differ from JavaScript's, for ports of official evaluators
// written in Python (MMMU, MMStar, MM-Vet). Each helper does what the named Python operation does on
// a `str`, so a rule ported with them decides as the original does on any text:
//
// - whitespace (`str.strip()`, `str.split()`, re's `\s`, `float()`): Python's set has U+001C–U+001F
//   and U+0085 and lacks U+FEFF, which JavaScript's `trim()` and `\s` treat the other way round;
// - re's `\d` is any Unicode decimal digit (category Nd) and `\w` any letter, number or `_`, so `\b`
//   sees no boundary between `10` and `Ω` or `米`; JavaScript's `\d`, `\w` and `\b` are ASCII-only;
// - `float()` reads Unicode decimal digits (`３６０`, `٣٦٠`), `_` between digits, inf and nan;
// - `round(x, n)` rounds the double's exact value, ties to even; `toFixed` breaks ties upwards;
// - `len()` and indexing count code points, not UTF-16 units.
//
// Checked against Python 3.11 (Unicode 14) on every code point assigned there (python-text.test.ts,
// fixtures/python-unicode.json); characters assigned later follow Node's Unicode tables, as they
// follow a newer Python's.

/** Python's `str.isspace()` set, which `strip()`, `split()`, re's `\s` and `float()` use. */
const PYTHON_SPACES = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

export function isPythonSpace(char: string): boolean {
  return char.length > 0 && PYTHON_SPACES.has(char.codePointAt(0)!);
}

/** Source of a regex class matching one character of Python re's `\w` (use with the `u` flag). */
export const PY_WORD = "[\\p{L}\\p{N}_]";
/** Source of a regex class matching one character of Python re's `\d` (use with the `u` flag). */
export const PY_DIGIT = "\\p{Nd}";
/** Python re's `\b` where the next character is known to be a word character (`\b\d`). */
export const PY_BOUNDARY_BEFORE_WORD = `(?<!${PY_WORD})`;
/** Python re's `\b` where the previous character is known to be a word character (`\d\b`). */
export const PY_BOUNDARY_AFTER_WORD = `(?!${PY_WORD})`;

/** Python's `str.strip()` (whitespace) or `str.strip(chars)`. */
export function pythonStrip(text: string, chars?: string): string {
  const strip = chars === undefined ? isPythonSpace : (char: string) => [...chars].includes(char);
  let start = 0;
  let end = text.length;
  while (start < end) {
    const char = String.fromCodePoint(text.codePointAt(start)!);
    if (!strip(char)) break;
    start += char.length;
  }
  while (end > start) {
    // The code point ending at `end`: a low surrogate with its high one, or one unit.
    const low = text.charCodeAt(end - 1);
    const width = low >= 0xdc00 && low <= 0xdfff && end - 2 >= start && /[\ud800-\udbff]/.test(text[end - 2]!) ? 2 : 1;
    if (!strip(text.slice(end - width, end))) break;
    end -= width;
  }
  return text.slice(start, end);
}

/** Python's `str.split()`: runs of Python whitespace separate, no empty words. */
export function pythonSplit(text: string): string[] {
  const words: string[] = [];
  let word = "";
  for (const char of text) {
    if (isPythonSpace(char)) {
      if (word) words.push(word);
      word = "";
    } else {
      word += char;
    }
  }
  if (word) words.push(word);
  return words;
}

/** Python's `len(text)`: code points. */
export function pythonLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Python's `text[index]` for a small non-negative index (code points); undefined where Python raises IndexError. */
export function pythonCharAt(text: string, index: number): string | undefined {
  let i = 0;
  for (const char of text) if (i++ === index) return char;
  return undefined;
}

const DECIMAL_DIGIT = /^\p{Nd}$/u;
const PYTHON_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf|infinity|nan)$/i;
/** float()'s whitespace after its Unicode pass: ASCII ones only (U+001C–U+001F are not among them). */
const ASCII_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/**
 * Python's `float(text)` for a `str`; null where Python raises ValueError. As CPython does, every
 * non-ASCII whitespace becomes a space and every Unicode decimal digit its ASCII digit first
 * (any other non-ASCII character makes it fail), then the ASCII text is parsed.
 */
export function pythonFloat(text: string): number | null {
  let ascii = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) ascii += char;
    else if (PYTHON_SPACES.has(code)) ascii += " ";
    else if (DECIMAL_DIGIT.test(char)) ascii += String(decimalValue(char));
    else return null;
  }
  const t = ascii.replace(ASCII_SPACE, "");
  if (!PYTHON_FLOAT.test(t)) return null;
  const word = t.replace(/^[+-]/, "").toLowerCase();
  const negative = t.startsWith("-");
  if (word === "nan") return NaN;
  if (word === "inf" || word === "infinity") return negative ? -Infinity : Infinity;
  return Number(t.replaceAll("_", ""));
}

/**
 * The value of a Unicode decimal digit. Unicode encodes decimal digits only as complete runs 0–9 in
 * ascending order, and adjacent runs are whole runs too, so the value is the distance from the start
 * of the character's block of consecutive digits, modulo 10.
 */
export function decimalValue(char: string): number {
  let code = char.codePointAt(0)!;
  let offset = 0;
  while (code > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(code - 1))) {
    code--;
    offset++;
  }
  return offset % 10;
}

/**
 * Python's `round(x, ndigits)` for a float and 0 <= ndigits <= 22: the decimal nearest to x's exact
 * binary value, exact ties to even (0.125 → 0.12, 0.375 → 0.38, 2.675 → 2.67 since that double is
 * just below 2.675), read back as the nearest double.
 */
export function pythonRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (!Number.isInteger(ndigits) || ndigits < 0 || ndigits > 22) throw new RangeError(`pythonRound supports 0 <= ndigits <= 22, got ${ndigits}`);
  const { mantissa, exponent } = decompose(Math.abs(x));
  if (exponent >= 0) return x; // an integer: nothing to round
  const scaled = mantissa * 10n ** BigInt(ndigits);
  const denominator = 1n << BigInt(-exponent);
  let quotient = scaled / denominator;
  const twice = 2n * (scaled % denominator);
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient++;
  return Number(`${x < 0 ? "-" : ""}${quotient}e-${ndigits}`);
}

/** A positive finite double as mantissa × 2^exponent, exactly. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0 ? { mantissa: fraction, exponent: -1074 } : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}
