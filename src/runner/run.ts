// Runs a list of requests: answers already in the cache are reused, the rest go to their endpoint's
// pool, with retries (back-off on 5xx, resets and timeouts; Retry-After on 429). Each result is
// stored in the cache the moment it arrives, so a killed run loses only the requests in flight.
import type OpenAI from "openai";
import { DataError, SampleError } from "../errors.ts";
import type { ResponseCache } from "./cache.ts";
import { CACHE_FORMAT, type CachedResponse } from "./cached-response.ts";
import { EndpointPool } from "./endpoint-pool.ts";
import { chatCompletion, createClient, type ChatBody } from "./provider.ts";
import { backoffMs, classifyFailure } from "./retry.ts";

export interface Endpoint {
  id: string;
  baseUrls: readonly string[];
  /** The key itself, read from the environment just before the run; never stored. */
  apiKey?: string;
  /** Requests in flight per base URL. */
  concurrency: number;
  stream: boolean;
  /** Bytes of one answer read at most (transport.ts's default when unset). */
  maxResponseBytes?: number;
}

export interface WorkItem {
  /** Cache key: the hash of everything that determines the answer. */
  key: string;
  endpoint: string;
  /** Built only when the request is sent (it may hold large images). */
  body: () => ChatBody | Promise<ChatBody>;
}

export type Result =
  | { ok: true; response: CachedResponse; cached: boolean; attempts: number }
  | { ok: false; errorKind: string; error: string; attempts: number };

export interface RunOptions {
  cache: ResponseCache;
  timeoutMs: number;
  maxAttempts: number;
  /** Give up on a request after this many 429s (each already waited for its Retry-After). */
  maxRateLimited?: number;
  onResult?: (item: WorkItem, result: Result) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** One request to send and the positions of the items that share its key. */
export interface Entry {
  item: WorkItem;
  indexes: number[];
}

/** Items sharing a key become one entry: the same request is never sent twice. */
export function groupByKey(items: readonly WorkItem[]): Entry[] {
  const byKey = new Map<string, Entry>();
  items.forEach((item, i) => {
    const entry = byKey.get(item.key);
    if (entry) entry.indexes.push(i);
    else byKey.set(item.key, { item, indexes: [i] });
  });
  return [...byKey.values()];
}

/** Results in the order of `items`. Items sharing a key are asked once. */
export async function runWork(items: readonly WorkItem[], endpoints: readonly Endpoint[], options: RunOptions): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  const settle = (entry: Entry, result: Result) => {
    for (const i of entry.indexes) {
      results[i] = result;
      options.onResult?.(items[i]!, result);
    }
  };

  const queues = new Map<string, Entry[]>();
  for (const entry of groupByKey(items)) {
    const hit = options.cache.get(entry.item.key);
    if (hit) {
      settle(entry, { ok: true, response: hit, cached: true, attempts: 0 });
      continue;
    }
    const queue = queues.get(entry.item.endpoint) ?? [];
    queue.push(entry);
    queues.set(entry.item.endpoint, queue);
  }

  await Promise.all(
    [...queues].map(async ([endpointId, queue]) => {
      const endpoint = endpoints.find((e) => e.id === endpointId);
      if (!endpoint) throw new Error(`no endpoint "${endpointId}" for ${queue.length} requests`);
      const pool = new EndpointPool(
        endpoint.baseUrls.map((url) => createClient(url, endpoint.apiKey, { ...(endpoint.maxResponseBytes && { maxResponseBytes: endpoint.maxResponseBytes }) })),
        endpoint.concurrency,
      );
      // A cursor, not shift(): shifting a queue of tens of thousands moves all of it each time.
      let next = 0;
      const worker = async () => {
        for (let entry = queue[next++]; entry; entry = queue[next++]) {
          settle(entry, await attempt(entry.item, pool, endpoint, options));
        }
      };
      await Promise.all(Array.from({ length: Math.min(pool.capacity, queue.length) }, worker));
    }),
  );
  return results;
}

/**
 * The item's request, or its failure when the input it is built from is bad (a DataError: a
 * sample's image that is not one, or too large): that item fails, the others go on.
 */
export async function buildBody(item: WorkItem): Promise<{ ok: true; body: ChatBody } | { ok: false; result: Result }> {
  try {
    return { ok: true, body: await item.body() };
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return { ok: false, result: { ok: false, errorKind: error instanceof SampleError ? error.kind : "invalid_input", error: error.message, attempts: 0 } };
  }
}

async function attempt(item: WorkItem, pool: EndpointPool<OpenAI>, endpoint: Endpoint, options: RunOptions): Promise<Result> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxRateLimited = options.maxRateLimited ?? 50;
  const built = await buildBody(item);
  if (!built.ok) return built.result;
  const body = built.body;
  let tries = 0;
  let rateLimited = 0;
  for (;;) {
    tries++;
    const replica = await pool.acquire();
    try {
      const raw = await chatCompletion(replica.target, body, { timeoutMs: options.timeoutMs, stream: endpoint.stream });
      pool.release(replica, { rateLimited: false });
      const response: CachedResponse = { format: CACHE_FORMAT, key: item.key, ...raw };
      options.cache.put(response);
      return { ok: true, response, cached: false, attempts: tries };
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure.kind === "rate_limit") {
        pool.release(replica, { rateLimited: true, ...(failure.retryAfterMs !== undefined && { retryAfterMs: failure.retryAfterMs }) });
        if (++rateLimited <= maxRateLimited) continue; // the pool waits out Retry-After
      } else {
        pool.release(replica, { rateLimited: false });
        if (failure.kind === "transient" && tries - rateLimited < options.maxAttempts) {
          await sleep(backoffMs(tries - rateLimited));
          continue;
        }
      }
      return { ok: false, errorKind: failure.errorKind, error: failure.message, attempts: tries };
    }
  }
}
