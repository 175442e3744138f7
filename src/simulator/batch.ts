// OpenAI's Batch API over the simulated chat completions: batches over uploaded files that move
// validating → in_progress → completed (or failed when the input file is malformed) on timers.
import { z } from "zod";
import type { ModelConfig, SimulatorConfig } from "./config.ts";
import { completionBody, resolveChat } from "./chat.ts";
import { noSuchFile, unixTime, type FileStore, type JsonOutcome, type StoredFile } from "./files.ts";
import { apiError, parseJson, type ApiError } from "./http.ts";
import { sha256, uniformAt } from "./random.ts";

export type { JsonOutcome } from "./files.ts";

const BATCH_ENDPOINT = "/v1/chat/completions";

type BatchStatus = "validating" | "failed" | "in_progress" | "finalizing" | "completed" | "expired" | "cancelling" | "cancelled";

interface LineFailure {
  code: string;
  message: string;
  param: null;
  line: number;
}

interface BatchRecord {
  id: string;
  object: "batch";
  endpoint: string;
  errors: { object: "list"; data: LineFailure[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

const createBatchSchema = z.object({
  input_file_id: z.string().min(1),
  endpoint: z.literal(BATCH_ENDPOINT, { error: `endpoint must be "${BATCH_ENDPOINT}", the only one the simulator serves` }),
  completion_window: z.literal("24h", { error: 'completion_window must be "24h"' }),
  metadata: z.record(z.string(), z.string()).nullish(),
});

const inputLineSchema = z.object({
  custom_id: z.string().min(1),
  method: z.literal("POST"),
  url: z.literal(BATCH_ENDPOINT),
  body: z.record(z.string(), z.unknown()),
});

interface InputLine {
  customId: string;
  body: unknown;
  /** The line as uploaded, which decides whether a simulated line error hits it. */
  raw: string;
}

export class BatchApi {
  private readonly batches = new Map<string, BatchRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;

  constructor(
    private readonly config: SimulatorConfig,
    private readonly models: ReadonlyMap<string, ModelConfig>,
    private readonly files: FileStore,
  ) {}

  /** `POST /v1/batches` with the parsed JSON body. */
  createBatch(body: unknown): JsonOutcome {
    const parsed = createBatchSchema.safeParse(body);
    if (!parsed.success) return apiError(400, parsed.error.issues.map((issue) => issue.message).join("; "));
    const { input_file_id, endpoint, completion_window, metadata } = parsed.data;
    const input = this.files.file(input_file_id);
    if (!input) return noSuchFile(input_file_id);
    if (input.meta.purpose !== "batch") return apiError(400, `File ${input_file_id} has purpose "${input.meta.purpose}"; batches need purpose "batch".`);

    const now = unixTime();
    const batch: BatchRecord = {
      id: `batch_sim_${this.newId()}`,
      object: "batch",
      endpoint,
      errors: null,
      input_file_id,
      completion_window,
      status: "validating",
      output_file_id: null,
      error_file_id: null,
      created_at: now,
      in_progress_at: null,
      expires_at: now + 24 * 3600,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: metadata ?? null,
    };
    this.batches.set(batch.id, batch);
    this.after(this.config.batch.validating_ms, () => this.validate(batch, input.content));
    return { status: 200, body: batch };
  }

  getBatch(id: string): JsonOutcome {
    const batch = this.batches.get(id);
    return batch ? { status: 200, body: batch } : noSuchBatch(id);
  }

  cancelBatch(id: string): JsonOutcome {
    const batch = this.batches.get(id);
    if (!batch) return noSuchBatch(id);
    if (batch.status === "validating" || batch.status === "in_progress") {
      batch.status = "cancelling";
      batch.cancelling_at = unixTime();
      // The pending step sees the new status and stops; cancelling finishes on the next tick.
      this.after(0, () => {
        batch.status = "cancelled";
        batch.cancelled_at = unixTime();
      });
    } else if (batch.status !== "cancelling" && batch.status !== "cancelled") {
      return apiError(409, `Cannot cancel a batch with status "${batch.status}".`);
    }
    return { status: 200, body: batch };
  }

  /** Stops every pending batch step (the server is closing). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private validate(batch: BatchRecord, content: Buffer): void {
    if (batch.status !== "validating") return;
    const { lines, failures } = parseInputFile(content.toString("utf8"));
    if (failures.length > 0) {
      batch.status = "failed";
      batch.failed_at = unixTime();
      batch.errors = { object: "list", data: failures };
      return;
    }
    batch.status = "in_progress";
    batch.in_progress_at = unixTime();
    batch.request_counts.total = lines.length;
    this.after(this.config.batch.in_progress_ms, () => this.run(batch, lines));
  }

  private run(batch: BatchRecord, lines: InputLine[]): void {
    if (batch.status !== "in_progress") return;
    const outputs: string[] = [];
    const errors: string[] = [];
    for (const line of lines) {
      const id = `batch_req_sim_${this.newId()}`;
      const requestId = `req_sim_${this.newId()}`;
      const failure = this.lineFailure(line);
      if (failure) {
        errors.push(JSON.stringify({ id, custom_id: line.customId, response: null, error: failure }));
        continue;
      }
      const result = resolveChat(line.body, this.config.seed, this.models);
      if (result.ok) {
        outputs.push(JSON.stringify({ id, custom_id: line.customId, response: { status_code: 200, request_id: requestId, body: completionBody(result.reply) }, error: null }));
      } else {
        const { status, body } = result.error;
        errors.push(JSON.stringify({
          id,
          custom_id: line.customId,
          response: { status_code: status, request_id: requestId, body },
          error: { code: status === 404 ? "model_not_found" : "invalid_request", message: body.error.message },
        }));
      }
    }
    const now = unixTime();
    batch.request_counts = { total: lines.length, completed: outputs.length, failed: errors.length };
    if (outputs.length > 0) batch.output_file_id = this.storeJsonl(`${batch.id}_output.jsonl`, "batch_output", outputs).meta.id;
    if (errors.length > 0) batch.error_file_id = this.storeJsonl(`${batch.id}_error.jsonl`, "batch_output", errors).meta.id;
    batch.status = "completed";
    batch.finalizing_at = now;
    batch.completed_at = now;
  }

  /** A simulated infrastructure failure of one line, decided by the seed and the line's text. */
  private lineFailure(line: InputLine): { code: string; message: string } | undefined {
    const rate = this.config.faults.rate_batch_line_error;
    if (rate === 0 || uniformAt(sha256(`${this.config.seed}\nbatch-line\n${line.raw}`), 0) >= rate) return undefined;
    return { code: "server_error", message: "The request failed (simulated batch line error)." };
  }

  private storeJsonl(filename: string, purpose: string, lines: string[]): StoredFile {
    return this.files.store(filename, purpose, Buffer.from(`${lines.join("\n")}\n`));
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

/** Parses the JSONL input; any malformed line fails the whole batch, as OpenAI's validation does. */
function parseInputFile(text: string): { lines: InputLine[]; failures: LineFailure[] } {
  const lines: InputLine[] = [];
  const failures: LineFailure[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const fail = (code: string, message: string) => failures.push({ code, message, param: null, line: i + 1 });
    const json = parseJson(raw);
    if (!json.ok) return fail("invalid_json_line", `Line ${i + 1} is not valid JSON: ${json.message}`);
    const parsed = inputLineSchema.safeParse(json.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return fail("invalid_request", `Line ${i + 1}, field ${issue.path.join(".") || "(line)"}: ${issue.message}`);
    }
    if (seen.has(parsed.data.custom_id)) {
      return fail("duplicate_custom_id", `Line ${i + 1}: custom_id "${parsed.data.custom_id}" is used by an earlier line.`);
    }
    seen.add(parsed.data.custom_id);
    lines.push({ customId: parsed.data.custom_id, body: parsed.data.body, raw });
  });
  if (lines.length === 0 && failures.length === 0) failures.push({ code: "empty_file", message: "The input file has no requests.", param: null, line: 1 });
  return { lines, failures };
}

function noSuchBatch(id: string): ApiError {
  return apiError(404, `No such Batch object: ${id}`);
}
