// Before sending thousands of requests, ask each base URL for its model list once, so that an
// unreachable server, a wrong URL, a rejected key or an endpoint that answers HTML fails in a
// second with a message that says which and what to do.

import { displayUrl, registerSecret, scrubSecrets } from "../secrets.ts";

export type Preflight = { ok: true } | { ok: false; problem: string };

export async function preflight(baseUrl: string, apiKey: string | undefined, timeoutMs = 10_000): Promise<Preflight> {
  registerSecret(apiKey);
  const outcome = await check(baseUrl, displayUrl(baseUrl), apiKey, timeoutMs);
  return outcome.ok ? outcome : { ok: false, problem: scrubSecrets(outcome.problem) };
}

async function check(baseUrl: string, shown: string, apiKey: string | undefined, timeoutMs: number): Promise<Preflight> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, problem: `${shown} is unreachable (${why}): is the server running, and is the URL right?` };
  }
  const type = response.headers.get("content-type") ?? "";
  // Not read: the answer's status and type say enough, and a hostile server's body may be endless.
  await response.body?.cancel().catch(() => undefined);
  if (response.status === 401 || response.status === 403) {
    return { ok: false, problem: `${shown} rejected the API key (HTTP ${response.status}): set the variable named by api_key_env` };
  }
  if (!type.includes("json")) {
    return { ok: false, problem: `${shown.replace(/\/+$/, "")}/models answered ${type || "no content type"} (HTTP ${response.status}), not JSON: is base_url the API root, ending in /v1?` };
  }
  // Some gateways have no /models; a JSON error there still proves an OpenAI-style API answers.
  return { ok: true };
}
