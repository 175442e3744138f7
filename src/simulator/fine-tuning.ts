// OpenAI's fine-tuning jobs API over uploaded files: jobs move validating_files → queued → running →
// succeeded on timers, with events and step metrics, or fail with the training file's problems.
// The resulting model id carries what the data taught (fine-tuned.ts), so any simulator serves it.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { ModelConfig } from "./config.ts";
import { cursorPage, unixTime, type FileStore, type JsonOutcome, type StoredFile } from "./files.ts";
import { canFineTune, fineTunedModelName, MIN_TRAINING_EXAMPLES, readTrainingFile, SUFFIX_PATTERN, type LineProblem, type TrainingStats } from "./fine-tuned.ts";
import { SIMULATED_MARK } from "./generate.ts";
import { apiError, type ApiError } from "./http.ts";
import { sha256, uniformAt } from "./random.ts";

/** How long each stage of a job takes. Short by default: nothing is trained. */
export interface FineTuningTimings {
  validating_ms: number;
  queued_ms: number;
  running_ms: number;
}

export const DEFAULT_FINE_TUNING_TIMINGS: FineTuningTimings = { validating_ms: 20, queued_ms: 20, running_ms: 160 };

/** What "auto" hyperparameters become once the files are validated. */
const AUTO = { n_epochs: 3, batch_size: 1, learning_rate_multiplier: 2 } as const;
/** Metric events per job, spread over the running stage. */
const METRIC_EVENTS = 10;
const ORGANIZATION = "org-thinksafe-simulator";

type JobStatus = "validating_files" | "queued" | "running" | "succeeded" | "failed" | "cancelled";
const ACTIVE: ReadonlySet<JobStatus> = new Set(["validating_files", "queued", "running"]);

const auto = <T extends z.ZodType>(value: T) => z.union([z.literal("auto"), value]);
const hyperparametersSchema = z.object({
  n_epochs: auto(z.int().min(1).max(50)).optional(),
  batch_size: auto(z.int().min(1).max(256)).optional(),
  learning_rate_multiplier: auto(z.number().positive().max(10)).optional(),
});
type Hyperparameters = z.output<typeof hyperparametersSchema>;

const createJobSchema = z.object({
  model: z.string().min(1),
  training_file: z.string().min(1),
  validation_file: z.string().min(1).nullish(),
  suffix: z.string().regex(SUFFIX_PATTERN, "suffix: up to 64 letters, digits, '.', '_' or '-'").nullish(),
  seed: z.int().nullish(),
  hyperparameters: hyperparametersSchema.nullish(),
  method: z
    .object({
      type: z.literal("supervised", { error: "method.type: only supervised fine-tuning is simulated" }),
      supervised: z.object({ hyperparameters: hyperparametersSchema.nullish() }).nullish(),
    })
    .nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  integrations: z.array(z.unknown()).nullish(),
});

interface JobError {
  code: string;
  message: string;
  param: string | null;
}

interface JobRecord {
  id: string;
  object: "fine_tuning.job";
  model: string;
  created_at: number;
  finished_at: number | null;
  estimated_finish: number | null;
  error: JobError | null;
  fine_tuned_model: string | null;
  hyperparameters: Required<Hyperparameters>;
  method: { type: "supervised"; supervised: { hyperparameters: Required<Hyperparameters> } };
  organization_id: string;
  result_files: string[];
  seed: number;
  status: JobStatus;
  trained_tokens: number | null;
  training_file: string;
  validation_file: string | null;
  user_provided_suffix: string | null;
  integrations: null;
  metadata: Record<string, string> | null;
}

interface JobEvent {
  id: string;
  object: "fine_tuning.job.event";
  created_at: number;
  level: "info" | "warn" | "error";
  message: string;
  data: Record<string, unknown>;
  type: "message" | "metrics";
}

interface Job {
  record: JobRecord;
  /** Oldest first; the API lists them newest first. */
  events: JobEvent[];
  files: { training: StoredFile; validation: StoredFile | undefined };
}

export class FineTuningApi {
  private readonly jobs = new Map<string, Job>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;

  constructor(
    private readonly models: ReadonlyMap<string, ModelConfig>,
    private readonly files: FileStore,
    private readonly timings: FineTuningTimings = DEFAULT_FINE_TUNING_TIMINGS,
  ) {}

  /** `POST /v1/fine_tuning/jobs` with the parsed JSON body. */
  createJob(body: unknown): JsonOutcome {
    const parsed = createJobSchema.safeParse(body);
    if (!parsed.success) {
      return apiError(400, parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; "));
    }
    const request = parsed.data;
    if (request.model.startsWith("ft:")) {
      return apiError(400, `Model ${request.model} is a fine-tuned model; continued fine-tuning is not simulated: fine-tune its base model instead.`);
    }
    if (!canFineTune(this.models.get(request.model))) {
      const bases = [...this.models.values()].filter(canFineTune).map((m) => m.name);
      return apiError(400, `Model ${request.model} is not available for fine-tuning or does not exist. Models that can be fine-tuned here: ${bases.join(", ")}.`);
    }
    const training = this.fineTuneFile(request.training_file, "training_file");
    if (!training.ok) return training.error;
    const validation = request.validation_file ? this.fineTuneFile(request.validation_file, "validation_file") : undefined;
    if (validation && !validation.ok) return validation.error;

    const requested = { ...request.hyperparameters, ...request.method?.supervised?.hyperparameters };
    const hyperparameters = {
      n_epochs: requested.n_epochs ?? "auto",
      batch_size: requested.batch_size ?? "auto",
      learning_rate_multiplier: requested.learning_rate_multiplier ?? "auto",
    } as const;
    const now = unixTime();
    const job: Job = {
      record: {
        // Random, as OpenAI's are: records from simulators started one after another must not collide.
        id: `ftjob-sim-${randomBytes(8).toString("hex")}`,
        object: "fine_tuning.job",
        model: request.model,
        created_at: now,
        finished_at: null,
        estimated_finish: null,
        error: null,
        fine_tuned_model: null,
        hyperparameters,
        method: { type: "supervised", supervised: { hyperparameters } },
        organization_id: ORGANIZATION,
        result_files: [],
        // Without a seed, the training file's content gives one: the same job gives the same model.
        seed: request.seed ?? sha256(training.file.content.toString("latin1")).readUInt32BE(0) >>> 1,
        status: "validating_files",
        trained_tokens: null,
        training_file: training.file.meta.id,
        validation_file: validation?.file.meta.id ?? null,
        user_provided_suffix: request.suffix ?? null,
        integrations: null,
        metadata: request.metadata ?? null,
      },
      events: [],
      files: { training: training.file, validation: validation?.file },
    };
    this.jobs.set(job.record.id, job);
    this.event(job, "info", `Validating training file: ${job.record.training_file}${job.record.validation_file ? ` and validation file: ${job.record.validation_file}` : ""}`);
    this.after(this.timings.validating_ms, () => this.validate(job));
    return { status: 200, body: job.record };
  }

  getJob(id: string): JsonOutcome {
    const job = this.jobs.get(id);
    return job ? { status: 200, body: job.record } : noSuchJob(id);
  }

  /** `GET /v1/fine_tuning/jobs`: newest first, cursor-paginated. */
  listJobs(query: URLSearchParams): JsonOutcome {
    return cursorPage([...this.jobs.values()].map((job) => job.record).reverse(), query);
  }

  /** `GET /v1/fine_tuning/jobs/{id}/events`: newest first, cursor-paginated, as OpenAI lists them. */
  listEvents(id: string, query: URLSearchParams): JsonOutcome {
    const job = this.jobs.get(id);
    return job ? cursorPage([...job.events].reverse(), query) : noSuchJob(id);
  }

  cancelJob(id: string): JsonOutcome {
    const job = this.jobs.get(id);
    if (!job) return noSuchJob(id);
    if (!ACTIVE.has(job.record.status)) {
      // 400, not 409: the SDK and the runner would retry a 409, and this never changes.
      return apiError(400, `Job ${id} has already ${job.record.status}; only jobs that are validating, queued or running can be cancelled.`);
    }
    // The pending step sees the new status and stops.
    job.record.status = "cancelled";
    job.record.finished_at = unixTime();
    this.event(job, "info", "Fine-tuning job cancelled");
    return { status: 200, body: job.record };
  }

  /** Stops every pending job step (the server is closing). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private fineTuneFile(id: string, param: string): { ok: true; file: StoredFile } | { ok: false; error: ApiError } {
    const file = this.files.file(id);
    if (!file) return { ok: false, error: apiError(400, `${param}: no such file: ${id}. Upload it first with purpose "fine-tune".`) };
    if (file.meta.purpose !== "fine-tune") {
      return { ok: false, error: apiError(400, `${param}: file ${id} has purpose "${file.meta.purpose}"; fine-tuning needs purpose "fine-tune".`) };
    }
    return { ok: true, file };
  }

  private validate(job: Job): void {
    if (job.record.status !== "validating_files") return;
    const training = readTrainingFile(job.files.training.content.toString("utf8"), MIN_TRAINING_EXAMPLES);
    if (!training.ok) return this.fail(job, "invalid_training_file", "training_file", job.record.training_file, training.problems);
    let validationExamples: number | undefined;
    if (job.files.validation) {
      const validation = readTrainingFile(job.files.validation.content.toString("utf8"), 1);
      if (!validation.ok) return this.fail(job, "invalid_validation_file", "validation_file", job.files.validation.meta.id, validation.problems);
      validationExamples = validation.stats.examples;
    }
    const requested = job.record.hyperparameters;
    const resolved = {
      n_epochs: requested.n_epochs === "auto" ? AUTO.n_epochs : requested.n_epochs,
      batch_size: requested.batch_size === "auto" ? AUTO.batch_size : requested.batch_size,
      learning_rate_multiplier: requested.learning_rate_multiplier === "auto" ? AUTO.learning_rate_multiplier : requested.learning_rate_multiplier,
    };
    job.record.hyperparameters = resolved;
    job.record.method = { type: "supervised", supervised: { hyperparameters: resolved } };
    job.record.status = "queued";
    this.event(job, "info", `Files validated: ${training.stats.examples} training examples${validationExamples ? `, ${validationExamples} validation examples` : ""}; moving job to queued state`);
    this.after(this.timings.queued_ms, () => this.run(job, training.stats, resolved.n_epochs, resolved.batch_size, validationExamples !== undefined));
  }

  private run(job: Job, stats: TrainingStats, epochs: number, batchSize: number, validated: boolean): void {
    if (job.record.status !== "queued") return;
    job.record.status = "running";
    job.record.estimated_finish = unixTime() + Math.ceil(this.timings.running_ms / 1000);
    this.event(job, "info", "Fine-tuning job started");
    const hash = sha256(
      JSON.stringify([job.record.model, sha256(job.files.training.content.toString("latin1")).toString("hex"), job.files.validation ? sha256(job.files.validation.content.toString("latin1")).toString("hex") : null, job.record.user_provided_suffix, job.record.hyperparameters, job.record.seed]),
    ).toString("hex", 0, 4);
    const totalSteps = epochs * Math.ceil(stats.examples / batchSize);
    const points = Math.min(METRIC_EVENTS, totalSteps);
    const metrics: string[] = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"];
    const step = (point: number) => {
      if (job.record.status !== "running") return;
      const at = Math.round((point * totalSteps) / points);
      const loss = lossAt(hash, at, totalSteps);
      const accuracy = round(Math.min(0.99, 1 - loss / 2.5));
      const valid = validated ? { valid_loss: round(loss * 1.08), valid_mean_token_accuracy: round(accuracy * 0.97) } : {};
      metrics.push([at, loss, accuracy, valid.valid_loss ?? "", valid.valid_mean_token_accuracy ?? ""].join(","));
      this.event(job, "info", `Step ${at}/${totalSteps}: training loss=${loss.toFixed(4)}`, "metrics", { step: at, total_steps: totalSteps, train_loss: loss, train_mean_token_accuracy: accuracy, ...valid });
      if (point < points) return this.after(this.timings.running_ms / points, () => step(point + 1));
      const name = fineTunedModelName(job.record.model, job.record.user_provided_suffix ?? "", stats, epochs, hash);
      const results = this.files.store("step_metrics.csv", "fine-tune-results", Buffer.from(`${metrics.join("\n")}\n`));
      Object.assign(job.record, {
        status: "succeeded",
        fine_tuned_model: name,
        trained_tokens: stats.tokens * epochs,
        finished_at: unixTime(),
        result_files: [results.meta.id],
      });
      this.event(job, "info", `New fine-tuned model created: ${name}`);
      this.event(job, "info", "The job has successfully completed");
    };
    this.after(this.timings.running_ms / points, () => step(1));
  }

  private fail(job: Job, code: string, param: string, fileId: string, problems: LineProblem[]): void {
    const details = problems.map((p) => `line ${p.line}: ${p.message}`).join("; ");
    const message = `The job failed due to an invalid ${param === "training_file" ? "training" : "validation"} file ${fileId}: ${details}.`;
    Object.assign(job.record, { status: "failed", finished_at: unixTime(), error: { code, message, param } });
    this.event(job, "error", message);
  }

  private event(job: Job, level: JobEvent["level"], message: string, type: JobEvent["type"] = "message", data: Record<string, unknown> = {}): void {
    job.events.push({ id: `ftevent-sim-${this.newId()}`, object: "fine_tuning.job.event", created_at: unixTime(), level, message: `${SIMULATED_MARK} ${message}`, data, type });
  }

  private after(ms: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      step();
    }, ms);
    this.timers.add(timer);
  }

  private newId(): string {
    return String(this.nextId++).padStart(6, "0");
  }
}

/** A falling training loss with a little seeded noise, the same for the same job. */
function lossAt(hash: string, step: number, totalSteps: number): number {
  const noise = uniformAt(sha256(`${hash}\n${step}`), 0) - 0.5;
  return round(0.25 + 1.75 * Math.exp((-3 * step) / totalSteps) * (1 + 0.1 * noise));
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function noSuchJob(id: string): ApiError {
  return apiError(404, `No such fine-tuning job: ${id}`);
}
