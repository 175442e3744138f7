// The digest a simulated reply is drawn from: sha256 over
// JSON.stringify([seed, model, canonicalJson(messages), requestSeed]), the simulator's definition
// since its first version. It is fed to the hash in pieces here, so a request's images (data URIs of
// tens of kilobytes each) are hashed where they lie instead of being copied into two more strings
// of their size (the canonical JSON, then that JSON quoted as a string) first. The bytes hashed are
// the same, so every simulated reply is the same.
import { createHash, type Hash } from "node:crypto";

/** Characters a JSON string holds as they are, quoted once or twice: printable ASCII but `"` and `\`. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** Strings at least this long are hashed on their own rather than joined to the text around them. */
const LONG = 1024;

export function requestDigest(seed: number, model: string, messages: unknown, requestSeed: number | null): Buffer {
  const hash = createHash("sha256");
  const out = new Pieces(hash);
  out.add(`[${JSON.stringify(seed)},${JSON.stringify(model)},"`);
  canonical(messages, out);
  out.add(`",${JSON.stringify(requestSeed)}]`);
  out.flush();
  return hash.digest();
}

/** Text bound for the hash, joined into one update a few kilobytes at a time. */
class Pieces {
  private text = "";
  constructor(private readonly hash: Hash) {}

  add(text: string): void {
    this.text += text;
    if (this.text.length > 4096) this.flush();
  }

  /** A long string already known to need no escaping: hashed as it is. */
  addLong(text: string): void {
    this.flush();
    this.hash.update(text);
  }

  flush(): void {
    if (this.text) this.hash.update(this.text);
    this.text = "";
  }
}

/** Appends the canonical JSON of `value` (keys sorted), escaped as the inside of a JSON string. */
function canonical(value: unknown, out: Pieces): void {
  if (typeof value === "string") return text(value, out);
  if (value === null || typeof value === "number" || typeof value === "boolean") return out.add(JSON.stringify(value));
  if (Array.isArray(value)) {
    out.add("[");
    value.forEach((item, i) => {
      if (i > 0) out.add(",");
      // JSON.stringify writes null for what it cannot write in an array.
      if (item === undefined || typeof item === "function" || typeof item === "symbol") out.add("null");
      else canonical(item, out);
    });
    return out.add("]");
  }
  if (typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== "function" && typeof v !== "symbol");
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // The definition rebuilds the object from the sorted keys, and an object lists keys that are
    // array indices first, in numeric order: so does this.
    const indices = entries.filter(([key]) => isArrayIndex(key)).sort(([a], [b]) => Number(a) - Number(b));
    if (indices.length > 0) entries.splice(0, entries.length, ...indices, ...entries.filter(([key]) => !isArrayIndex(key)));
    out.add("{");
    entries.forEach(([key, v], i) => {
      if (i > 0) out.add(",");
      text(key, out);
      out.add(":");
      canonical(v, out);
    });
    return out.add("}");
  }
  // Nothing JSON.parse gives reaches here; anything else as JSON.stringify has it.
  out.add(escaped(JSON.stringify(value) ?? "null"));
}

/** "0", "7", "4294967294": a key JavaScript objects order before the others. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** A string as canonical JSON quotes it, quoted again: `"` and `\` of the quoted form escaped. */
function text(value: string, out: Pieces): void {
  if (value.length >= LONG && PLAIN.test(value)) {
    out.add('\\"');
    out.addLong(value);
    return out.add('\\"');
  }
  out.add(escaped(JSON.stringify(value)));
}

/** JSON text as the inside of a JSON string: it holds no raw control characters or lone surrogates, only `"` and `\` to escape. */
function escaped(json: string): string {
  return json.replace(/[\\"]/g, "\\$&");
}
