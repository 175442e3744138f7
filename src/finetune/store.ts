// The fine-tuning run store: one JSON record per fine-tuning job or served checkpoint, in a folder
// (default .thinksafe/finetune/), written atomically. A record says what was trained from what,
// where, and which model came out, so that an experiment can evaluate it. It holds the NAME of the
// variable with the API key, never the key, and base URLs without credentials or query.
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../atomic-write.ts";
import { DataError, UsageError } from "../errors.ts";

export const RECORD_FORMAT = "thinksafe-finetune/1";

/** The store's folder unless one is given. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.THINKSAFE_FINETUNE_DIR || join(".thinksafe", "finetune");
}

/** An OpenAI job's statuses, and `recorded` for a checkpoint trained elsewhere. */
export type FineTuneStatus = "validating_files" | "queued" | "running" | "succeeded" | "failed" | "cancelled" | "recorded";
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "recorded"]);

export interface FileRef {
  /** As given on the command line. */
  path: string;
  sha256: string;
  bytes: number;
  /** The id the provider gave the upload. */
  upload_id: string | null;
}

export interface RecordedEvent {
  id: string;
  /** ISO 8601. */
  created_at: string;
  level: string;
  type: string;
  message: string;
  data: unknown;
}

/** A checkpoint trained outside thinksafe (e.g. with LLaMA-Factory) and the endpoint serving it. */
export interface CheckpointRef {
  /** A local path (made absolute) or a hub id. */
  checkpoint: string;
  is_local_path: boolean;
  /** The training data export it was trained on (`thinksafe tis export --format llamafactory`). */
  export: ExportRef | null;
  endpoint_check: EndpointCheck | null;
}

export interface ExportRef {
  dir: string;
  /** dataset_info.json and every file it names, plus training YAMLs beside them, with sha256. */
  files: { file: string; sha256: string }[];
  datasets: string[];
}

export interface EndpointCheck {
  at: string;
  reachable: boolean;
  /** Whether GET /models listed the served model; null when the list could not be read. */
  model_listed: boolean | null;
  problem: string | null;
}

export interface FineTuneRecord {
  format: typeof RECORD_FORMAT;
  /** Unique in the store; the file is `<name>.json`. */
  name: string;
  kind: "api_job" | "served_checkpoint";
  /** "openai", "openai-compatible", "thinksafe-simulator" or "self-hosted". */
  provider: string;
  /** The API root without credentials or query; null for a simulator that lived only during `create`. */
  base_url: string | null;
  /** The NAME of the environment variable that holds the key. */
  api_key_env: string | null;
  is_simulated: boolean;
  base_model: string;
  training_file: FileRef | null;
  validation_file: FileRef | null;
  suffix: string | null;
  /** As requested ("auto" where not given). */
  hyperparameters: Record<string, string | number>;
  /** As the provider resolved them once training started. */
  trained_hyperparameters: Record<string, unknown> | null;
  job_id: string | null;
  status: FineTuneStatus;
  status_history: { status: string; at: string }[];
  /** Oldest first. */
  events: RecordedEvent[];
  error: { code: string; message: string; param: string | null } | null;
  /** The model name an experiment sends: the fine-tuned model id, or the checkpoint's served name. */
  fine_tuned_model: string | null;
  trained_tokens: number | null;
  checkpoint: CheckpointRef | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class FineTuneStore {
  constructor(readonly dir: string) {}

  pathOf(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** Temporary file and rename: a reader sees the old record or the new one, never half of one. */
  async write(record: FineTuneRecord): Promise<string> {
    checkName(record.name);
    await mkdir(this.dir, { recursive: true });
    const file = this.pathOf(record.name);
    await writeAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
    return file;
  }

  /** Every record, oldest first. */
  async list(): Promise<FineTuneRecord[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((name) => name.endsWith(".json"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const records = await Promise.all(names.map((name) => this.read(join(this.dir, name))));
    return records.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.name.localeCompare(b.name));
  }

  /** The record named `query`, or whose job id or fine-tuned model is `query`. */
  async find(query: string): Promise<FineTuneRecord> {
    const records = await this.list();
    const found = records.find((r) => r.name === query) ?? records.find((r) => r.job_id === query || r.fine_tuned_model === query);
    if (found) return found;
    const known = records.map((r) => r.name);
    throw new UsageError(
      `no fine-tuning record named "${query}" (nor with that job id or model) in ${this.dir}` +
        (known.length ? `; known: ${known.slice(0, 10).join(", ")}${known.length > 10 ? ", …" : ""}` : "; the store is empty") +
        " (give the record's name or job id, and --store if it lives elsewhere)",
    );
  }

  async exists(name: string): Promise<boolean> {
    return readFile(this.pathOf(name)).then(
      () => true,
      () => false,
    );
  }

  private async read(file: string): Promise<FineTuneRecord> {
    let record: Partial<FineTuneRecord>;
    try {
      record = JSON.parse(await readFile(file, "utf8")) as Partial<FineTuneRecord>;
    } catch (error) {
      throw new DataError({ file }, `not a readable fine-tuning record (${(error as Error).message})`, "fix or remove the file");
    }
    if (record.format !== RECORD_FORMAT || typeof record.name !== "string") {
      throw new DataError({ file, column: "format" }, `expected a record of format "${RECORD_FORMAT}"`, "remove files that are not thinksafe fine-tuning records from the store folder");
    }
    return record as FineTuneRecord;
  }
}

export function checkName(name: string): void {
  if (!NAME.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' (at most 128), starting with a letter or digit`);
}

/** Appends `status` to the history when it changed; returns whether it did. */
export function noteStatus(record: FineTuneRecord, status: FineTuneStatus, at: Date): boolean {
  if (record.status_history.at(-1)?.status === status) return false;
  record.status = status;
  record.status_history.push({ status, at: at.toISOString() });
  return true;
}
