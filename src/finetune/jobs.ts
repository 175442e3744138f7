// Fine-tuning through OpenAI's fine-tuning API (or any server that implements it, such as the
// simulator): upload the training file, create the job, follow its status and events, record the
// resulting model. Every step lands in the run store as soon as it happens, so a record always says
// which job exists. API calls go through the openai client that runs use (createClient: no SDK
// retries, the keep-alive transport); transient failures are retried here, with back-off.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI, { toFile } from "openai";
import { checkBaseModel, trainingFileFacts } from "./base-model.ts";
import { DataError, UsageError } from "../errors.ts";
import { endpointIdentity } from "../experiments/load.ts";
import { sha256 } from "../provenance.ts";
import { createClient } from "../runner/provider.ts";
import { backoffMs, classifyFailure } from "../runner/retry.ts";
import { DEFAULT_SIMULATOR_CONFIG, startSimulator, type FineTuningTimings } from "../simulator/index.ts";
import { checkName, noteStatus, RECORD_FORMAT, TERMINAL_STATUSES, type FileRef, type FineTuneRecord, type FineTuneStatus, type FineTuneStore, type RecordedEvent } from "./store.ts";
import { displayUrl, KEY_IN_URL_FIX, readApiKey, scrubSecrets, urlSecretProblem } from "../secrets.ts";

/** Where the job runs: an OpenAI-compatible API root, or a simulator started for this command. */
export type FineTuneEndpoint = { simulated: true } | { simulated?: false; baseUrl: string; apiKeyEnv?: string };

export const HYPERPARAMETERS = ["n_epochs", "batch_size", "learning_rate_multiplier"] as const;
export type Hyperparameters = Partial<Record<(typeof HYPERPARAMETERS)[number], number | "auto">>;

export interface FollowOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines: status changes and new events. */
  log?: (line: string) => void;
  /** First wait between two polls; it grows 1.5× per poll that brings nothing new, up to maxPollMs. Default 5 s. */
  pollMs?: number;
  /** Default 60 s. */
  maxPollMs?: number;
  /** Stop waiting (the job goes on) after this long; default: wait until the job ends. */
  timeoutMs?: number;
}

export interface CreateOptions extends FollowOptions {
  trainingFile: string;
  validationFile?: string;
  /** The base model to fine-tune. */
  model: string;
  suffix?: string;
  hyperparameters?: Hyperparameters;
  /** The record's name; default: the job id. */
  name?: string;
  endpoint: FineTuneEndpoint;
  /** Start a job even when the store holds one from the same inputs that did not fail. */
  force?: boolean;
  /** Follow the job until it ends (always so for a simulated one, whose server lives only here). */
  wait?: boolean;
  /** Stage timings of the simulator started for `simulated` (tests shorten them). */
  simulatorTimings?: Partial<FineTuningTimings>;
}

export interface FollowResult {
  record: FineTuneRecord;
  file: string;
  /** The wait ended before the job did. */
  timedOut: boolean;
}

const API_ATTEMPTS = 4;
const SIMULATOR_POLL_MS = 25;

export async function createFineTune(store: FineTuneStore, options: CreateOptions): Promise<FollowResult> {
  const env = options.env ?? process.env;
  if (options.name !== undefined) {
    checkName(options.name);
    if (!options.force && (await store.exists(options.name))) {
      throw new UsageError(`a fine-tuning record named "${options.name}" already exists in ${store.dir} (choose another --name, or --force to replace it)`);
    }
  }
  const training = await readInput(options.trainingFile, "--training-file");
  // Before anything is uploaded or paid for: images need a vision-capable base model.
  const note = checkBaseModel(options.model, trainingFileFacts(training.bytes), options.trainingFile);
  if (note && !options.endpoint.simulated) options.log?.(`[finetune] note: ${note}`);
  const validation = options.validationFile === undefined ? undefined : await readInput(options.validationFile, "--validation-file");
  const hyperparameters = { n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto", ...options.hyperparameters };
  const baseUrl = options.endpoint.simulated ? null : endpointIdentity([options.endpoint.baseUrl])[0]!;
  if (!options.force) {
    const same = (await store.list()).find(
      (r) =>
        r.kind === "api_job" && r.base_url === baseUrl && r.base_model === options.model &&
        r.training_file?.sha256 === training.ref.sha256 && (r.validation_file?.sha256 ?? null) === (validation?.ref.sha256 ?? null) &&
        r.suffix === (options.suffix ?? null) && JSON.stringify(r.hyperparameters) === JSON.stringify(hyperparameters) &&
        r.status !== "failed" && r.status !== "cancelled",
    );
    if (same) {
      throw new UsageError(`"${same.name}" (job ${same.job_id}, ${same.status}) was already started from the same training file, model and settings; see thinksafe finetune status ${same.name}, or pass --force to start another job`);
    }
  }

  const simulator = options.endpoint.simulated ? await startSimulator(DEFAULT_SIMULATOR_CONFIG, { port: 0, ...(options.simulatorTimings && { fineTuning: options.simulatorTimings }) }) : undefined;
  try {
    const target = simulator ? { url: simulator.url, key: undefined, label: "the simulator" } : urlTarget(options.endpoint as { baseUrl: string; apiKeyEnv?: string }, env);
    const client = createClient(target.url, target.key);
    const call = caller(target.label);
    const upload = async (input: { bytes: Buffer; ref: FileRef }) => {
      const file = await call("upload", () => toFile(input.bytes, basename(input.ref.path)).then((file) => client.files.create({ file, purpose: "fine-tune" })));
      input.ref.upload_id = file.id;
    };
    await upload(training);
    if (validation) await upload(validation);
    const { data: job, response } = await call("job creation", () =>
      client.fineTuning.jobs
        .create({
          model: options.model,
          training_file: training.ref.upload_id!,
          ...(validation && { validation_file: validation.ref.upload_id! }),
          ...(options.suffix !== undefined && { suffix: options.suffix }),
          // `method` is the current form; top-level hyperparameters are deprecated.
          method: { type: "supervised", supervised: { hyperparameters: hyperparameters as OpenAI.FineTuning.SupervisedHyperparameters } },
        })
        .withResponse(),
    );
    const now = new Date();
    const isSimulated = simulator !== undefined || response.headers.get("x-thinksafe-simulated") === "true";
    const record: FineTuneRecord = {
      format: RECORD_FORMAT,
      name: options.name ?? (await freeName(store, job.id)),
      kind: "api_job",
      provider: isSimulated ? "thinksafe-simulator" : baseUrl && new URL(baseUrl).hostname === "api.openai.com" ? "openai" : "openai-compatible",
      base_url: baseUrl,
      api_key_env: options.endpoint.simulated ? null : (options.endpoint.apiKeyEnv ?? null),
      is_simulated: isSimulated,
      base_model: options.model,
      training_file: training.ref,
      validation_file: validation?.ref ?? null,
      suffix: options.suffix ?? null,
      hyperparameters,
      trained_hyperparameters: null,
      job_id: job.id,
      status: job.status,
      status_history: [],
      events: [],
      error: null,
      fine_tuned_model: null,
      trained_tokens: null,
      checkpoint: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      finished_at: null,
    };
    applyJob(record, job, now);
    const file = await store.write(record);
    options.log?.(`[finetune] ${record.name}: job ${job.id} created (${job.status}) for ${options.model} on ${target.label}; recorded in ${file}`);
    if (!simulator && !options.wait) return { record, file, timedOut: false };
    return await follow(record, client, store, target.label, simulator ? { ...options, pollMs: SIMULATOR_POLL_MS, maxPollMs: SIMULATOR_POLL_MS, timeoutMs: undefined } : options);
  } finally {
    await simulator?.close();
  }
}

/** Asks the provider once for the job's state and new events, and records them. */
export async function refreshFineTune(store: FineTuneStore, record: FineTuneRecord, options: FollowOptions = {}): Promise<FollowResult> {
  if (record.kind !== "api_job" || TERMINAL_STATUSES.has(record.status)) return { record, file: store.pathOf(record.name), timedOut: false };
  const { client, label } = clientFor(record, options.env ?? process.env);
  await poll(record, client, label, new Date());
  return { record, file: await store.write(record), timedOut: false };
}

/** Polls until the job ends (or timeoutMs passes), recording each change. */
export async function waitForFineTune(store: FineTuneStore, record: FineTuneRecord, options: FollowOptions = {}): Promise<FollowResult> {
  if (record.kind !== "api_job" || TERMINAL_STATUSES.has(record.status)) return { record, file: store.pathOf(record.name), timedOut: false };
  const { client, label } = clientFor(record, options.env ?? process.env);
  return follow(record, client, store, label, options);
}

export async function cancelFineTune(store: FineTuneStore, record: FineTuneRecord, options: FollowOptions = {}): Promise<FollowResult> {
  if (record.kind !== "api_job") throw new UsageError(`"${record.name}" records a checkpoint trained elsewhere; there is no job to cancel`);
  if (TERMINAL_STATUSES.has(record.status)) throw new UsageError(`"${record.name}" (job ${record.job_id}) has already ${record.status}; only running jobs can be cancelled`);
  const { client, label } = clientFor(record, options.env ?? process.env);
  const jobId = record.job_id!;
  await caller(label)("cancellation", () => client.fineTuning.jobs.cancel(jobId));
  await poll(record, client, label, new Date());
  options.log?.(`[finetune] ${record.name}: cancellation requested; status ${record.status}`);
  return { record, file: await store.write(record), timedOut: false };
}

async function follow(record: FineTuneRecord, client: OpenAI, store: FineTuneStore, label: string, options: FollowOptions): Promise<FollowResult> {
  const firstPoll = options.pollMs ?? 5000;
  const maxPoll = Math.max(firstPoll, options.maxPollMs ?? 60_000);
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let interval = firstPoll;
  let file = store.pathOf(record.name);
  for (;;) {
    const seenEvents = record.events.length;
    const seenStatus = record.status;
    const changed = await poll(record, client, label, new Date());
    if (changed) {
      file = await store.write(record);
      if (record.status !== seenStatus) options.log?.(`[finetune] ${record.name}: ${record.status}`);
      for (const event of record.events.slice(seenEvents)) options.log?.(`[finetune] ${record.name}: ${event.created_at.slice(11, 19)} ${event.message}`);
    }
    if (TERMINAL_STATUSES.has(record.status)) return { record, file, timedOut: false };
    // Back off while nothing happens; look again soon after something did.
    interval = changed ? firstPoll : Math.min(maxPoll, interval * 1.5);
    if (Date.now() + interval > deadline) return { record, file, timedOut: true };
    await sleep(interval);
  }
}

/** One look at the job and its new events; true when the record changed. */
async function poll(record: FineTuneRecord, client: OpenAI, label: string, now: Date): Promise<boolean> {
  const call = caller(label, record);
  const jobId = record.job_id!;
  const job = await call("status", () => client.fineTuning.jobs.retrieve(jobId));
  const fresh = await call("events", () => newEvents(client, jobId, new Set(record.events.map((e) => e.id))));
  record.events.push(...fresh);
  const changed = applyJob(record, job, now) || fresh.length > 0;
  if (changed) record.updated_at = now.toISOString();
  return changed;
}

/** Events not recorded yet, oldest first. The API lists newest first, so paging stops at a known one. */
async function newEvents(client: OpenAI, jobId: string, known: ReadonlySet<string>): Promise<RecordedEvent[]> {
  const fresh: RecordedEvent[] = [];
  for await (const event of client.fineTuning.jobs.listEvents(jobId, { limit: 100 })) {
    if (known.has(event.id)) break;
    fresh.push({
      id: event.id,
      created_at: new Date(event.created_at * 1000).toISOString(),
      level: event.level,
      type: event.type ?? "message",
      message: typeof event.message === "string" ? scrubSecrets(event.message) : event.message,
      data: event.data ?? null,
    });
  }
  return fresh.reverse();
}

/** Copies what the job object says into the record; true when something changed. */
function applyJob(record: FineTuneRecord, job: OpenAI.FineTuning.FineTuningJob, now: Date): boolean {
  const before = JSON.stringify([record.status, record.error, record.fine_tuned_model, record.trained_tokens, record.trained_hyperparameters, record.finished_at]);
  noteStatus(record, job.status as FineTuneStatus, now);
  // The provider's words are stored as they came, less any key they echo.
  record.error = job.error ? { code: job.error.code, message: typeof job.error.message === "string" ? scrubSecrets(job.error.message) : job.error.message, param: job.error.param ?? null } : null;
  record.fine_tuned_model = job.fine_tuned_model ?? null;
  record.trained_tokens = job.trained_tokens ?? null;
  // "auto" settings are resolved once the files are validated.
  const resolved = job.method?.supervised?.hyperparameters ?? job.hyperparameters;
  if (resolved && Object.values(resolved).every((value) => value !== "auto")) record.trained_hyperparameters = { ...resolved };
  record.finished_at = job.finished_at ? new Date(job.finished_at * 1000).toISOString() : null;
  return JSON.stringify([record.status, record.error, record.fine_tuned_model, record.trained_tokens, record.trained_hyperparameters, record.finished_at]) !== before;
}

function clientFor(record: FineTuneRecord, env: NodeJS.ProcessEnv): { client: OpenAI; label: string } {
  if (record.base_url === null) {
    throw new UsageError(
      `"${record.name}" (job ${record.job_id}) ran on a simulator that lived only during thinksafe finetune create, which stopped before the job ended (${record.status}); start it again with finetune create --simulated --force`,
    );
  }
  const target = urlTarget({ baseUrl: record.base_url, ...(record.api_key_env && { apiKeyEnv: record.api_key_env }) }, env);
  return { client: createClient(target.url, target.key), label: target.label };
}

function urlTarget(endpoint: { baseUrl: string; apiKeyEnv?: string }, env: NodeJS.ProcessEnv): { url: string; key: string | undefined; label: string } {
  let url: URL;
  try {
    url = new URL(endpoint.baseUrl);
  } catch {
    throw new UsageError(`--base-url ${displayUrl(endpoint.baseUrl)}: expected an http(s) URL such as https://api.openai.com/v1`);
  }
  const secret = urlSecretProblem(endpoint.baseUrl);
  if (secret) throw new UsageError(`--base-url ${displayUrl(endpoint.baseUrl)}: the URL ${secret}; ${KEY_IN_URL_FIX.replace("api_key_env", "--api-key-env")}`);
  const key = readApiKey(env, endpoint.apiKeyEnv);
  if (endpoint.apiKeyEnv && !key) throw new UsageError(`the environment variable ${endpoint.apiKeyEnv} (--api-key-env) is not set`);
  // The label is shown in messages: no credentials in it.
  return { url: endpoint.baseUrl.replace(/\/+$/, ""), key, label: endpointIdentity([url.toString()])[0]! };
}

/** Runs one API call, retrying transient failures; a final failure says what, where and why. */
function caller(label: string, record?: FineTuneRecord) {
  return async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind !== "fatal" && attempt < API_ATTEMPTS) {
          await sleep(failure.retryAfterMs ?? backoffMs(attempt));
          continue;
        }
        const job = record ? `job ${record.job_id} ("${record.name}")` : "fine-tuning";
        if (failure.errorKind === "http_404" && record) {
          throw new UsageError(`${job} is unknown to ${label}: ${failure.message} (was it created on another server or account?)`);
        }
        throw new UsageError(`${job} ${what} failed at ${label}: ${failure.message}`);
      }
    }
  };
}

/** `name`, or `name-2`, `name-3`… when a record already has it (job ids of other servers may repeat). */
async function freeName(store: FineTuneStore, name: string): Promise<string> {
  let candidate = name;
  for (let n = 2; await store.exists(candidate); n++) candidate = `${name}-${n}`;
  return candidate;
}

async function readInput(path: string, flag: string): Promise<{ bytes: Buffer; ref: FileRef }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError({ file: path }, code === "ENOENT" ? "file not found" : `cannot read file (${code})`, `give ${flag} a chat fine-tuning JSONL file`);
  }
  if (bytes.length === 0) throw new DataError({ file: path }, "the file is empty", `give ${flag} a JSONL file of {"messages": [...]} lines`);
  return { bytes, ref: { path, sha256: sha256(bytes), bytes: bytes.length, upload_id: null } };
}

/** The experiment `models:` entry that evaluates a record's model (printed when a job succeeds). */
export function experimentModelEntry(record: FineTuneRecord): string {
  const id = record.name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "") || "fine-tuned";
  const fields = [`id: ${id}`, `model: ${JSON.stringify(record.fine_tuned_model)}`];
  if (record.is_simulated && record.base_url === null) fields.push("simulated: true");
  else fields.push(`base_url: ${JSON.stringify(record.base_url)}`);
  if (record.api_key_env) fields.push(`api_key_env: ${record.api_key_env}`);
  return `- {${fields.join(", ")}}`;
}
