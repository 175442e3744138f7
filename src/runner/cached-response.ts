// One cached answer as the cache stores it and validate.ts checks it: its own module so that the
// cache (which checks every entry it reads) and the checks need not import each other.

export const CACHE_FORMAT = 1;

/** What an endpoint answered to one request, before thinking and answer are separated. */
export interface CachedResponse {
  format: typeof CACHE_FORMAT;
  key: string;
  content: string | null;
  reasoning: string | null;
  reasoning_content: string | null;
  finish_reason: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number;
  /** The endpoint identified itself as thinksafe's simulator. */
  simulated: boolean;
  /** The model name the endpoint reported. */
  served_model: string | null;
}
