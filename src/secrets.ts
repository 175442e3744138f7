// Keeping API keys out of everything thinksafe writes or prints. Keys live only in environment
// variables named by `api_key_env`; URLs are refused when they carry one (urlSecretProblem), shown
// without credentials or secret-looking query parameters (displayUrl, the one way any URL is
// displayed), and text that came from an endpoint is scrubbed of every key this process has read
// (scrubSecrets) before it is stored or printed: an endpoint may echo the Authorization header.

/** Query parameter names that carry credentials (api_key, access_token, sig, X-Amz-Signature, …). */
const SECRET_PARAMETER = /key|token|secret|pass|pwd|auth|sig|cred|session/i;

/** Values shorter than this are not scrubbed from text: a key that short would be any word (local servers take "none"). */
export const MIN_SECRET_LENGTH = 8;

const REDACTED = "[redacted]";

/**
 * Why `raw` must not be used as an endpoint URL, or null when it is fine: it holds a user name or
 * password, or a query parameter whose name says it is a credential. Never repeats the value.
 */
export function urlSecretProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null; // not a URL: the caller's own check says so
  }
  if (url.username || url.password) return "holds credentials (user:password@ before the host)";
  const names = [...new Set([...url.searchParams.keys()].filter((name) => SECRET_PARAMETER.test(name)))];
  if (names.length) return `holds the query parameter${names.length > 1 ? "s" : ""} ${names.join(", ")}, which look${names.length > 1 ? "" : "s"} like a credential`;
  return null;
}

/** What to do instead of a key in a URL, for error messages. */
export const KEY_IN_URL_FIX = "never put a key in a URL: give the NAME of an environment variable holding it as api_key_env, and the URL without it";

/**
 * A URL as thinksafe displays it anywhere (messages, manifests, Parquet, pages): without user name,
 * password, fragment or credential-like query parameters. Text that does not parse as a URL loses
 * anything between "//" and "@".
 */
export function displayUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.replace(/\/\/[^/@\s]*@/g, "//");
  }
  url.username = "";
  url.password = "";
  url.hash = "";
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAMETER.test(name)) url.searchParams.delete(name);
  return url.toString();
}

/** Every key value this process has read; scrubSecrets removes them from text. */
const knownSecrets = new Set<string>();

/** Remembers `value` as a secret (keys read from the environment, keys handed to a client). */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

/** The key in the variable `name` of `env`, remembered as a secret; undefined when unset or empty. */
export function readApiKey(env: NodeJS.ProcessEnv, name: string | null | undefined): string | undefined {
  if (!name) return undefined;
  const value = env[name];
  if (!value) return undefined;
  registerSecret(value);
  return value;
}

/** `text` with every known key value replaced: for model output, which is otherwise kept exactly as it came. */
export function removeKnownSecrets(text: string, secrets: Iterable<string> = knownSecrets): string {
  let out = text;
  // Longest first, so a key that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  }
  return out;
}

/**
 * `text` without any known key value, Authorization header or Bearer token, OpenAI-style key
 * (sk-…), or credential inside a URL: for everything an endpoint said in an error, and every line
 * printed, before it is stored or shown.
 */
export function scrubSecrets(text: string, secrets: Iterable<string> = knownSecrets): string {
  return removeKnownSecrets(text, secrets)
    .replace(/(authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^\s"',;}]+/gi, `$1${REDACTED}`)
    .replace(/\b(bearer)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED)
    .replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (url) => displayUrl(url));
}
