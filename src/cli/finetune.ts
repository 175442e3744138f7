// `thinksafe finetune create | status | list | cancel | record`: fine-tuning runs and the run store.
import { Option, type Command } from "commander";
import { UsageError } from "../errors.ts";
import {
  cancelFineTune,
  createFineTune,
  defaultStoreDir,
  experimentModelEntry,
  FineTuneStore,
  HYPERPARAMETERS,
  recordCheckpoint,
  refreshFineTune,
  waitForFineTune,
  type FineTuneRecord,
  type FollowResult,
  type Hyperparameters,
} from "../finetune/index.ts";
import { textTable } from "./format.ts";
import type { Io, Outcome } from "./outcome.ts";

const storeOption = () => new Option("--store <dir>", "run store folder (default: $THINKSAFE_FINETUNE_DIR or .thinksafe/finetune)");
const pollOption = () => new Option("--poll <seconds>", "first wait between polls; it grows while nothing changes, up to 60 s").argParser((v) => seconds(v, "--poll")).default(5);
const timeoutOption = () => new Option("--timeout <seconds>", "stop waiting after this long (the job goes on)").argParser((v) => seconds(v, "--timeout"));

export function addFinetuneCommands(cli: Command, io: Io, outcome: Outcome): void {
  const finetune = cli.command("finetune").description("Fine-tuning runs through OpenAI's fine-tuning API (or the simulator), and checkpoints trained elsewhere; recorded in a run store.");
  const log = (line: string) => io.err(line);

  finetune
    .command("create")
    .description("Upload a chat JSONL training file, start a fine-tuning job and record it (with --simulated, the job runs to the end on a simulator started for it).")
    .requiredOption("--training-file <file>", 'JSONL of {"messages": [...]} lines, e.g. from thinksafe tis export --format openai')
    .requiredOption("--model <base>", "the base model to fine-tune")
    .option("--validation-file <file>", "JSONL in the same format, for validation loss")
    .option("--suffix <suffix>", "added to the fine-tuned model's name")
    .option("--hyperparameters <settings>", 'n_epochs=3,batch_size=auto,learning_rate_multiplier=0.5 or JSON; "auto" by default', parseHyperparameters)
    .option("--name <name>", "the record's name (default: the job id)")
    .option("--base-url <url>", "the API root, e.g. https://api.openai.com/v1")
    .option("--api-key-env <var>", "the environment variable holding the API key")
    .option("--simulated", "use thinksafe's simulator instead of a real API (the resulting model is simulated)", false)
    .option("--wait", "follow the job until it ends", false)
    .option("--force", "start a job even if the store has one from the same inputs", false)
    .addOption(pollOption())
    .addOption(timeoutOption())
    .addOption(storeOption())
    .action(async (options) => {
      if (options.simulated === Boolean(options.baseUrl)) throw new UsageError("give either --base-url URL (with --api-key-env VAR for a hosted API) or --simulated");
      if (options.simulated && options.apiKeyEnv) throw new UsageError("--api-key-env goes with --base-url; the simulator needs no key");
      const result = await createFineTune(store(options), {
        trainingFile: options.trainingFile,
        model: options.model,
        ...(options.validationFile && { validationFile: options.validationFile }),
        ...(options.suffix !== undefined && { suffix: options.suffix }),
        ...(options.hyperparameters && { hyperparameters: options.hyperparameters }),
        ...(options.name && { name: options.name }),
        endpoint: options.simulated ? { simulated: true } : { baseUrl: options.baseUrl, ...(options.apiKeyEnv && { apiKeyEnv: options.apiKeyEnv }) },
        force: options.force,
        wait: options.wait,
        ...follow(options),
        log,
      });
      report(result, io, outcome);
    });

  finetune
    .command("status")
    .description("Ask for a job's status and new events, update its record, and print the fine-tuned model id once it exists.")
    .argument("<job-or-name>", "the record's name, its job id or its model")
    .option("--wait", "poll until the job ends", false)
    .addOption(pollOption())
    .addOption(timeoutOption())
    .addOption(storeOption())
    .action(async (query: string, options) => {
      const runStore = store(options);
      const record = await runStore.find(query);
      const settings = { ...follow(options), log };
      report(await (options.wait ? waitForFineTune(runStore, record, settings) : refreshFineTune(runStore, record, settings)), io, outcome, { recentEvents: !options.wait });
    });

  finetune
    .command("list")
    .description("Every record in the run store.")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addOption(storeOption())
    .action(async (options) => {
      const records = await store(options).list();
      if (options.format === "json") return io.out(JSON.stringify(records, null, 2));
      if (records.length === 0) return io.out(`(no fine-tuning records in ${store(options).dir})`);
      io.out(
        textTable(
          ["name", "kind", "status", "base model", "model", "simulated", "updated"],
          records.map((r) => [r.name, r.kind === "api_job" ? `job ${r.job_id}` : "checkpoint", r.status, r.base_model, r.fine_tuned_model ?? "-", r.is_simulated ? "yes" : "no", r.updated_at.slice(0, 19)]),
        ),
      );
    });

  finetune
    .command("cancel")
    .description("Cancel a running job and record it.")
    .argument("<job-or-name>", "the record's name or its job id")
    .addOption(storeOption())
    .action(async (query: string, options) => {
      const runStore = store(options);
      report(await cancelFineTune(runStore, await runStore.find(query), { log }), io, outcome, { cancelling: true });
    });

  finetune
    .command("record")
    .description("Record a checkpoint trained elsewhere (e.g. LLaMA-Factory on a thinksafe export) and the endpoint serving it, so experiments can evaluate it.")
    .requiredOption("--name <name>", "the record's name")
    .requiredOption("--base-model <model>", "the model it was fine-tuned from")
    .requiredOption("--checkpoint <path-or-id>", "the checkpoint folder or hub id")
    .requiredOption("--base-url <url>", "the OpenAI-compatible API root serving it (vLLM, SGLang)")
    .option("--served-model <name>", "the model name the endpoint serves it under (default: --name)")
    .option("--api-key-env <var>", "the environment variable holding the endpoint's key")
    .option("--export <dir>", "the LLaMA-Factory export it was trained on (folder with dataset_info.json)")
    .option("--no-check", "do not ask the endpoint for its model list")
    .option("--force", "replace a record of the same name", false)
    .addOption(storeOption())
    .action(async (options) => {
      const { record, file } = await recordCheckpoint(store(options), {
        name: options.name,
        baseModel: options.baseModel,
        checkpoint: options.checkpoint,
        baseUrl: options.baseUrl,
        ...(options.servedModel && { servedModel: options.servedModel }),
        ...(options.apiKeyEnv && { apiKeyEnv: options.apiKeyEnv }),
        ...(options.export && { exportDir: options.export }),
        check: options.check,
        force: options.force,
        log,
      });
      report({ record, file, timedOut: false }, io, outcome);
    });
}

function store(options: { store?: string }): FineTuneStore {
  return new FineTuneStore(options.store ?? defaultStoreDir());
}

function follow(options: { poll: number; timeout?: number }) {
  return { pollMs: options.poll * 1000, ...(options.timeout !== undefined && { timeoutMs: options.timeout * 1000 }) };
}

/** The record in a few lines on stdout; exit 1 when the job failed, was cancelled (unless by this command) or outlived the wait. */
function report({ record, file, timedOut }: FollowResult, io: Io, outcome: Outcome, { recentEvents = false, cancelling = false } = {}): void {
  const lines = [`${record.name}: ${record.status}${record.is_simulated ? " (simulated)" : ""}`];
  if (record.job_id) lines.push(`  job: ${record.job_id} on ${record.base_url ?? "a simulator started for the job"}`);
  lines.push(`  base model: ${record.base_model}`);
  if (record.trained_tokens !== null) lines.push(`  trained tokens: ${record.trained_tokens.toLocaleString("en-US")}`);
  if (record.error) lines.push(`  error: ${record.error.message}${record.error.param ? ` (${record.error.param})` : ""}`);
  if (recentEvents) for (const event of record.events.slice(-5)) lines.push(`  ${event.created_at.slice(0, 19)} ${event.message}`);
  lines.push(`  record: ${file}`);
  if (record.fine_tuned_model) {
    lines.push(`fine-tuned model: ${record.fine_tuned_model}`);
    lines.push(
      `Evaluate it with this entry under models: in an experiment (add base: <id of ${record.base_model}> to compare; finetune_store: <folder> if the store is not the default):`,
      `- {id: ${experimentModelEntry(record).match(/id: ([^,]+)/)![1]}, finetune: ${record.name}}`,
      "or, naming the model and endpoint themselves:",
      experimentModelEntry(record),
    );
  }
  io.out(lines.join("\n"));
  if (timedOut) io.err(`[finetune] ${record.name}: still ${record.status} when the wait ended; run thinksafe finetune status ${record.name} --wait again later`);
  if (timedOut || record.status === "failed" || (record.status === "cancelled" && !cancelling)) outcome.exitCode = 1;
}

export function parseHyperparameters(text: string): Hyperparameters {
  let entries: [string, unknown][];
  if (text.trim().startsWith("{")) {
    try {
      entries = Object.entries(JSON.parse(text) as object);
    } catch (error) {
      throw new UsageError(`--hyperparameters: not valid JSON (${(error as Error).message})`);
    }
  } else {
    entries = text.split(",").filter((part) => part.trim() !== "").map((part) => {
      const [key, value, ...rest] = part.split("=").map((s) => s.trim());
      if (!key || value === undefined || rest.length) throw new UsageError(`--hyperparameters: "${part}" is not key=value`);
      return [key, value];
    });
  }
  const result: Hyperparameters = {};
  for (const [key, raw] of entries) {
    if (!(HYPERPARAMETERS as readonly string[]).includes(key)) throw new UsageError(`--hyperparameters: unknown setting "${key}" (known: ${HYPERPARAMETERS.join(", ")})`);
    const value = raw === "auto" ? "auto" : Number(raw);
    if (value !== "auto" && !(Number.isFinite(value) && value > 0)) throw new UsageError(`--hyperparameters: ${key} must be "auto" or a positive number, not ${JSON.stringify(raw)}`);
    if (value !== "auto" && key !== "learning_rate_multiplier" && !Number.isInteger(value)) throw new UsageError(`--hyperparameters: ${key} must be a whole number`);
    result[key as keyof Hyperparameters] = value;
  }
  return result;
}

function seconds(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} ${text}: expected a number of seconds`);
  return value;
}
