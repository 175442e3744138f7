// OpenAI Batch API mode: the same work items, cache and results as runWork, sent as JSONL batches
// at half the price and without rate limits, answered within 24 hours. Each answer is cached the
// moment its output line is parsed. A batch is recorded under <cache dir>/batches/ as soon as it is
// created, so a killed run picks up the batches it left running instead of paying for them twice.
import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type OpenAI from "openai";
import { toFile } from "openai";
import type { ResponseCache } from "./cache.ts";
import { CACHE_FORMAT, type CachedResponse } from "./cached-response.ts";
import { scrubSecrets } from "../secrets.ts";
import { writeAtomically } from "../atomic-write.ts";
import { tooLarge } from "./body-guard.ts";
import { createClient } from "./provider.ts";
import { DEFAULT_MAX_RESPONSE_BYTES } from "./transport.ts";
import { checkCompletion } from "./validate.ts";
import { backoffMs, classifyFailure } from "./retry.ts";
import { buildBody, groupByKey, type Endpoint, type Entry, type Result, type WorkItem } from "./run.ts";

export interface BatchOptions {
  /** The same cache as online mode. */
  cache: ResponseCache;
  /** Between two looks at a running batch; default 30 s. */
  pollIntervalMs?: number;
  /** Requests per batch; default 50,000, OpenAI's limit. */
  maxLinesPerBatch?: number;
  /** Bytes per input file; default 190 MB, under OpenAI's 200 MB limit. */
  maxBytesPerBatch?: number;
  /** For each API call (upload, create, retrieve, download); the client's default when unset. */
  timeoutMs?: number;
  onResult?: (item: WorkItem, result: Result) => void;
  /** Human-readable progress lines ("batch_abc: in_progress 1,200/5,000"). */
  onStatus?: (line: string) => void;
  /** Aborting rejects runBatch; batches already created keep running and a rerun resumes them. */
  signal?: AbortSignal;
}

const BATCH_URL = "/v1/chat/completions";
const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "expired", "cancelled"]);
/** Ended without answering everything: a resumed state file pointing at one starts over. */
const DEAD_STATUSES: ReadonlySet<string> = new Set(["failed", "expired", "cancelled"]);
/** Tries per API call for transient failures (timeouts, resets, 5xx, 429). */
const API_ATTEMPTS = 4;

/** One distinct request and the positions of `items` that share its key. */
/** The requests of one batch. `open` holds those not settled yet. */
interface Chunk {
  id: string;
  statePath: string;
  count: number;
  open: Map<string, Entry>;
}

/** `<cache dir>/batches/<chunk id>.json`: the batch that is answering a chunk. */
interface BatchState {
  batch_id: string;
  input_file_id: string;
  created_at: number;
  count: number;
}

/** One line of a batch's output or error file. */
interface OutputLine {
  custom_id: string;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: string | null; message?: string | null } | null;
}

/** Results in the order of `items`, every item for `endpoint`. Items sharing a key are sent once. */
export async function runBatch(items: readonly WorkItem[], endpoint: Endpoint, options: BatchOptions): Promise<Result[]> {
  // Batches are a hosted-API feature: replicas (several base URLs) are an online-mode concept.
  const baseUrl = endpoint.baseUrls[0];
  if (!baseUrl) throw new Error(`endpoint "${endpoint.id}" has no base URL`);
  const stray = items.find((item) => item.endpoint !== endpoint.id);
  if (stray) throw new Error(`request ${stray.key} is for endpoint "${stray.endpoint}", not "${endpoint.id}"`);

  const results = new Array<Result>(items.length);
  const settle = (entry: Entry, result: Result) => {
    for (const i of entry.indexes) {
      results[i] = result;
      options.onResult?.(items[i]!, result);
    }
  };
  const limits = { maxResponseBytes: endpoint.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES };
  const session = new BatchSession(createClient(baseUrl, endpoint.apiKey, limits), { ...options, maxResponseBytes: limits.maxResponseBytes }, settle);
  const followers: Promise<void>[] = [];
  for (const window of uncachedWindows(groupByKey(items), options, settle)) {
    for await (const { chunk, lines } of chunksOf(window, options, settle)) {
      const batch = await session.submit(chunk, lines);
      if (!batch) continue;
      const followed = session.follow(chunk, batch);
      followed.catch(() => {}); // awaited below: this only keeps an abort during submission from counting as unhandled
      followers.push(followed);
    }
  }
  await Promise.all(followers);
  return results;
}

/**
 * Settles cached entries and returns the rest in windows of maxLinesPerBatch. Windows are cut over
 * all entries, cached or not, so that a window's requests (and so its chunk ids) stay the same on a
 * rerun in which other windows' answers arrived or failed meanwhile: its recorded batch is found.
 */
function uncachedWindows(entries: Entry[], options: BatchOptions, settle: (entry: Entry, result: Result) => void): Entry[][] {
  const size = options.maxLinesPerBatch ?? 50_000;
  const isUncached = (entry: Entry) => {
    const hit = options.cache.get(entry.item.key);
    if (hit) settle(entry, { ok: true, response: hit, cached: true, attempts: 0 });
    return !hit;
  };
  const windows: Entry[][] = [];
  for (let start = 0; start < entries.length; start += size) {
    const window = entries.slice(start, start + size).filter(isUncached);
    if (window.length > 0) windows.push(window);
  }
  return windows;
}

/** Splits a window into input files under maxBytesPerBatch, building each body only when it is needed. */
async function* chunksOf(window: Entry[], options: BatchOptions, settle: (entry: Entry, result: Result) => void): AsyncGenerator<{ chunk: Chunk; lines: Buffer[] }> {
  const maxBytes = options.maxBytesPerBatch ?? 190_000_000;
  const stateDir = join(options.cache.dir, "batches");
  let entries: Entry[] = [];
  let lines: Buffer[] = [];
  let bytes = 0;
  for (const entry of window) {
    const built = await buildBody(entry.item);
    if (!built.ok) {
      settle(entry, built.result);
      continue;
    }
    const line = Buffer.from(`${JSON.stringify({ custom_id: entry.item.key, method: "POST", url: BATCH_URL, body: built.body })}\n`);
    if (entries.length > 0 && bytes + line.length > maxBytes) {
      yield { chunk: newChunk(entries, stateDir), lines };
      [entries, lines, bytes] = [[], [], 0];
    }
    entries.push(entry);
    lines.push(line);
    bytes += line.length;
  }
  if (entries.length > 0) yield { chunk: newChunk(entries, stateDir), lines };
}

function newChunk(entries: Entry[], stateDir: string): Chunk {
  const keys = entries.map((entry) => entry.item.key).sort();
  const id = createHash("sha256").update(keys.join("\n")).digest("hex");
  return { id, statePath: join(stateDir, `${id}.json`), count: entries.length, open: new Map(entries.map((entry) => [entry.item.key, entry])) };
}

/** The API calls of one runBatch: submitting chunks, following their batches, reading their results. */
class BatchSession {
  private readonly request: OpenAI.RequestOptions;

  constructor(
    private readonly client: OpenAI,
    private readonly options: BatchOptions & { maxResponseBytes: number },
    private readonly settle: (entry: Entry, result: Result) => void,
  ) {
    this.request = { ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }), ...(options.signal && { signal: options.signal }) };
  }

  /** The chunk's batch, resumed or newly created; undefined when that failed (its requests are settled as errors). */
  async submit(chunk: Chunk, lines: Buffer[]): Promise<OpenAI.Batch | undefined> {
    try {
      return (await this.resume(chunk)) ?? (await this.create(chunk, lines));
    } catch (error) {
      this.fail(chunk, error);
      return undefined;
    }
  }

  /** Waits for the batch to end, then settles and caches its answers; settles the rest as errors. */
  async follow(chunk: Chunk, batch: OpenAI.Batch): Promise<void> {
    try {
      const ended = await this.untilEnded(batch);
      await this.collect(chunk, ended);
      await rm(chunk.statePath, { force: true });
    } catch (error) {
      this.fail(chunk, error, `batch ${batch.id} stays recorded in ${chunk.statePath}: a rerun resumes it, deleting the file starts over`);
    }
  }

  private async resume(chunk: Chunk): Promise<OpenAI.Batch | undefined> {
    const state = await readState(chunk.statePath);
    if (!state) return undefined;
    const batch = await this.api((request) => this.client.batches.retrieve(state.batch_id, request)).catch((error: unknown) => {
      if (classifyFailure(error).errorKind === "http_404") return undefined;
      throw error;
    });
    if (!batch) {
      this.status(`${state.batch_id}: unknown to the server; sending its ${count(state.count)} requests again`);
      return undefined;
    }
    if (DEAD_STATUSES.has(batch.status)) {
      this.status(`${batch.id}: ${batch.status}; sending its ${count(state.count)} requests again`);
      return undefined;
    }
    this.status(`${batch.id}: resuming (${count(state.count)} requests)`);
    return batch;
  }

  private async create(chunk: Chunk, lines: Buffer[]): Promise<OpenAI.Batch> {
    const file = await toFile(Buffer.concat(lines), `thinksafe-${chunk.id}.jsonl`);
    const input = await this.api((request) => this.client.files.create({ file, purpose: "batch" }, request));
    const batch = await this.api((request) =>
      this.client.batches.create(
        {
          input_file_id: input.id,
          endpoint: BATCH_URL,
          completion_window: "24h",
          metadata: { thinksafe_chunk: chunk.id, requests: String(chunk.count) },
        },
        request,
      ),
    );
    // The batch id cannot be known before this point: a crash in the moment between the answer and
    // the rename leaves a batch no rerun finds (it still runs; its metadata names the chunk).
    await writeState(chunk.statePath, { batch_id: batch.id, input_file_id: input.id, created_at: batch.created_at, count: chunk.count });
    this.status(`${batch.id}: created for ${count(chunk.count)} requests`);
    return batch;
  }

  private async untilEnded(batch: OpenAI.Batch): Promise<OpenAI.Batch> {
    let lastLine = "";
    for (;;) {
      const line = statusLine(batch);
      if (line !== lastLine) this.status(line);
      lastLine = line;
      if (FINAL_STATUSES.has(batch.status)) return batch;
      await sleep(this.options.pollIntervalMs ?? 30_000, undefined, { signal: this.options.signal });
      const id = batch.id;
      batch = await this.api((request) => this.client.batches.retrieve(id, request));
    }
  }

  /**
   * Reads the output and error files. Expired and cancelled batches keep the answers they finished,
   * so those are used too; requests with no line get the batch's status as their error.
   */
  private async collect(chunk: Chunk, batch: OpenAI.Batch): Promise<void> {
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue;
      const content = await this.api((request) => this.client.files.content(fileId, request));
      for await (const text of linesOf(content)) {
        const line = parseOutputLine(text);
        const entry = line && chunk.open.get(line.custom_id);
        if (!line || !entry) continue;
        chunk.open.delete(line.custom_id);
        // One line is one answer, held to one answer's limit.
        const size = Buffer.byteLength(text);
        const result: Result =
          size > this.options.maxResponseBytes
            ? { ok: false, errorKind: "response_too_large", error: tooLarge(this.options.maxResponseBytes, `a batch output line of ${size.toLocaleString("en-US")} bytes`).message, attempts: 1 }
            : this.lineResult(entry, line);
        this.settle(entry, result);
      }
    }
    const missing: Result =
      batch.status === "completed"
        ? { ok: false, errorKind: "batch_missing", error: `batch ${batch.id} returned no line for this request`, attempts: 1 }
        : { ok: false, errorKind: `batch_${batch.status}`, error: endedMessage(batch), attempts: 1 };
    for (const entry of chunk.open.values()) this.settle(entry, missing);
    chunk.open.clear();
  }

  private lineResult(entry: Entry, line: OutputLine): Result {
    if (line.response?.status_code === 200 && !line.error) {
      const checked = checkCompletion(line.response.body);
      if (!checked.ok) return { ok: false, errorKind: "invalid_response", error: `the batch answered something that is not a well-formed chat completion: ${checked.problem}`, attempts: 1 };
      const response: CachedResponse = { format: CACHE_FORMAT, key: entry.item.key, ...checked.value };
      this.options.cache.put(response);
      return { ok: true, response, cached: false, attempts: 1 };
    }
    const code = line.error?.code ?? line.response?.status_code ?? "invalid_response";
    const bodyMessage = (line.response?.body as { error?: { message?: unknown } } | undefined)?.error?.message;
    const message = typeof line.error?.message === "string" ? line.error.message : typeof bodyMessage === "string" ? bodyMessage : "the batch answered something that is not a chat completion";
    return { ok: false, errorKind: `batch_${String(code).replace(/[^A-Za-z0-9_]/g, "_").slice(0, 40)}`, error: scrubSecrets(message), attempts: 1 };
  }

  /** Settles the chunk's open requests with an API call's failure; an abort rejects runBatch instead. */
  private fail(chunk: Chunk, error: unknown, note?: string): void {
    if (this.options.signal?.aborted) throw this.options.signal.reason;
    const failure = classifyFailure(error);
    const result: Result = { ok: false, errorKind: `batch_${failure.errorKind}`, error: note ? `${failure.message} (${note})` : failure.message, attempts: 1 };
    for (const entry of chunk.open.values()) this.settle(entry, result);
    chunk.open.clear();
  }

  /** One API call, tried again after transient failures (the client itself never retries). */
  private async api<T>(call: (request: OpenAI.RequestOptions) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(this.request);
      } catch (error) {
        const failure = classifyFailure(error);
        if (this.options.signal?.aborted || failure.kind === "fatal" || attempt >= API_ATTEMPTS) throw error;
        await sleep(failure.retryAfterMs ?? backoffMs(attempt), undefined, { signal: this.options.signal });
      }
    }
  }

  private status(line: string): void {
    this.options.onStatus?.(line);
  }
}

function statusLine(batch: OpenAI.Batch): string {
  const counts = batch.request_counts;
  if (!counts?.total) return `${batch.id}: ${batch.status}`;
  const failed = counts.failed > 0 ? `, ${count(counts.failed)} failed` : "";
  return `${batch.id}: ${batch.status} ${count(counts.completed)}/${count(counts.total)}${failed}`;
}

function endedMessage(batch: OpenAI.Batch): string {
  const reasons = (batch.errors?.data ?? []).map((error) => error.message).filter(Boolean);
  return scrubSecrets(`batch ${batch.id} ended ${batch.status}${reasons.length > 0 ? `: ${reasons.slice(0, 3).join("; ")}` : ""}`);
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A file's lines, decoded as they are read: an output file can exceed the longest string V8 holds. */
function linesOf(content: Response): AsyncIterable<string> {
  if (!content.body) return (async function* () {})();
  return createInterface({ input: Readable.fromWeb(content.body as WebReadableStream<Uint8Array>), crlfDelay: Infinity });
}

function parseOutputLine(text: string): OutputLine | undefined {
  if (text.trim() === "") return undefined;
  try {
    const line = JSON.parse(text) as Partial<OutputLine> | null;
    return typeof line?.custom_id === "string" ? (line as OutputLine) : undefined;
  } catch {
    return undefined; // an unreadable line: its request is reported missing
  }
}

async function readState(path: string): Promise<BatchState | undefined> {
  try {
    const state = JSON.parse(await readFile(path, "utf8")) as Partial<BatchState>;
    return typeof state.batch_id === "string" && typeof state.count === "number" ? (state as BatchState) : undefined;
  } catch (error) {
    if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Temporary file and rename, so that a crash leaves the old state or the new one, never half of one. */
async function writeState(path: string, state: BatchState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeAtomically(path, `${JSON.stringify(state)}\n`);
}
