// Python's `textwrap.wrap(text, width)` with its default options, ported line by line so that
// typographic attacks written in Python (FigStep) get the very same lines here, quirks included.
// Lengths count code points, as Python's `len` does.

/** The whitespace textwrap itself knows (`textwrap._whitespace`): split on, turned into spaces. */
const WS = String.raw`[\t\n\v\f\r ]`;
const NON_WS = String.raw`[^\t\n\v\f\r ]`;
// Python's `\w` in a str pattern is `str.isalnum()` or "_"; `\d` is category Nd.
const WORD = String.raw`[\p{L}\p{N}_]`;
const WORD_PUNCT = String.raw`[\p{L}\p{N}_!"'&.,?]`;
const LETTER = String.raw`[\p{L}\p{Nl}\p{No}_]`; // Python's [^\d\W]

/** `TextWrapper.wordsep_re`: whitespace runs, em-dashes between words, words split after hyphens. */
const WORD_SEPARATOR = new RegExp(
  `(${WS}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
    `|${NON_WS}+?(?:` +
    `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
    `|(?=${WS}|$)` +
    `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})` +
    `))`,
  "u",
);

/** What Python's `str.strip()` removes (`str.isspace()`); a chunk of nothing else counts as blank. */
const PYTHON_BLANK = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/u;

const TAB_SIZE = 8;

/** Python's `textwrap.wrap(text, width)`: lines of at most `width` code points. */
export function wrapText(text: string, width: number): string[] {
  if (!Number.isInteger(width) || width <= 0) throw new RangeError(`invalid width ${width} (must be a positive integer)`);
  const chunks = mungeWhitespace(text)
    .split(WORD_SEPARATOR)
    .filter((chunk) => chunk !== "");
  return wrapChunks(chunks, width);
}

/** Python's `textwrap.fill(text, width)`: the wrapped lines joined by newlines. */
export function fillText(text: string, width: number): string {
  return wrapText(text, width).join("\n");
}

/** `TextWrapper._munge_whitespace`: tabs to 8-column stops, then each textwrap whitespace to a space. */
function mungeWhitespace(text: string): string {
  let expanded = "";
  let column = 0;
  for (const char of text) {
    if (char === "\t") {
      const spaces = TAB_SIZE - (column % TAB_SIZE);
      expanded += " ".repeat(spaces);
      column += spaces;
    } else {
      expanded += char;
      column = char === "\n" || char === "\r" ? 0 : column + 1;
    }
  }
  return expanded.replace(/[\t\n\v\f\r]/g, " ");
}

/** `TextWrapper._wrap_chunks` without indents or a line limit. */
function wrapChunks(chunks: string[], width: number): string[] {
  const pending = chunks.reverse(); // a stack: the next chunk is last
  const lines: string[] = [];
  while (pending.length > 0) {
    const line: string[] = [];
    let lineLength = 0;
    // Leading whitespace is dropped on every line but the first.
    if (lines.length > 0 && isBlank(pending.at(-1)!)) pending.pop();
    while (pending.length > 0 && lineLength + length(pending.at(-1)!) <= width) {
      const chunk = pending.pop()!;
      line.push(chunk);
      lineLength += length(chunk);
    }
    if (pending.length > 0 && length(pending.at(-1)!) > width) {
      // A chunk too long for any line fills this one, cut after its last hyphen in reach if any.
      // With no room left this adds "" (then dropped as blank), as Python does.
      const chars = Array.from(pending.pop()!);
      const end = longWordCut(chars, width - lineLength);
      line.push(chars.slice(0, end).join(""));
      pending.push(chars.slice(end).join(""));
    }
    // Only the last chunk is dropped when blank, so "abcd ABCDEFGHIJ" at width 5 keeps "abcd ".
    if (line.length > 0 && isBlank(line.at(-1)!)) line.pop();
    if (line.length > 0) lines.push(line.join(""));
  }
  return lines;
}

/** `TextWrapper._handle_long_word`'s cut: `spaceLeft` code points, or up to the last hyphen within them. */
function longWordCut(chars: string[], spaceLeft: number): number {
  const hyphen = chars.slice(0, spaceLeft).lastIndexOf("-");
  const onlyHyphensBefore = chars.slice(0, Math.max(hyphen, 0)).every((c) => c === "-");
  return hyphen > 0 && !onlyHyphensBefore ? hyphen + 1 : spaceLeft;
}

function isBlank(chunk: string): boolean {
  return PYTHON_BLANK.test(chunk);
}

/** Python's `len`: code points, not UTF-16 units. */
function length(chunk: string): number {
  return Array.from(chunk).length;
}
