// Open models are fine-tuned outside thinksafe (LLaMA-Factory on the export of `thinksafe tis
// export --format llamafactory`) and served by vLLM or SGLang. This records such a checkpoint: what
// it was trained from, what it was trained on, and the endpoint that serves it, so that an
// experiment can evaluate it like any fine-tuned model.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DataError, UsageError } from "../errors.ts";
import { endpointIdentity } from "../experiments/load.ts";
import { sha256 } from "../provenance.ts";
import { checkName, RECORD_FORMAT, type EndpointCheck, type ExportRef, type FineTuneRecord, type FineTuneStore } from "./store.ts";
import { displayUrl, KEY_IN_URL_FIX, readApiKey, urlSecretProblem } from "../secrets.ts";

export interface CheckpointOptions {
  name: string;
  /** The model it was trained from. */
  baseModel: string;
  /** A local checkpoint folder or a hub id. */
  checkpoint: string;
  /** The OpenAI-compatible API root serving it. */
  baseUrl: string;
  /** The model name the endpoint serves it under (vLLM's --served-model-name or LoRA name); default: name. */
  servedModel?: string;
  apiKeyEnv?: string;
  /** The LLaMA-Factory export it was trained on (a folder with dataset_info.json). */
  exportDir?: string;
  /** Ask the endpoint for its model list (default true); a failure is recorded and reported, not fatal. */
  check?: boolean;
  /** Replace a record of the same name. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export async function recordCheckpoint(store: FineTuneStore, options: CheckpointOptions): Promise<{ record: FineTuneRecord; file: string }> {
  checkName(options.name);
  if (!options.force && (await store.exists(options.name))) {
    throw new UsageError(`a fine-tuning record named "${options.name}" already exists in ${store.dir} (choose another --name, or --force to replace it)`);
  }
  let baseUrl: string;
  try {
    baseUrl = endpointIdentity([options.baseUrl])[0]!;
  } catch {
    throw new UsageError(`--base-url ${displayUrl(options.baseUrl)}: expected the http(s) API root serving the checkpoint, such as http://127.0.0.1:8000/v1`);
  }
  const secret = urlSecretProblem(options.baseUrl);
  if (secret) throw new UsageError(`--base-url ${displayUrl(options.baseUrl)}: the URL ${secret}; ${KEY_IN_URL_FIX.replace("api_key_env", "--api-key-env")}`);
  const env = options.env ?? process.env;
  const key = readApiKey(env, options.apiKeyEnv);
  if (options.apiKeyEnv && !key) throw new UsageError(`the environment variable ${options.apiKeyEnv} (--api-key-env) is not set`);
  const localPath = await stat(options.checkpoint).then(
    () => resolve(options.checkpoint),
    () => undefined,
  );
  const servedModel = options.servedModel ?? options.name;
  const exported = options.exportDir === undefined ? null : await describeExport(options.exportDir);
  const check = options.check === false ? null : await checkEndpoint(options.baseUrl.replace(/\/+$/, ""), key, servedModel);
  if (check && check.problem) options.log?.(`[finetune] ${options.name}: warning: ${check.problem}`);
  const now = new Date().toISOString();
  const record: FineTuneRecord = {
    format: RECORD_FORMAT,
    name: options.name,
    kind: "served_checkpoint",
    provider: "self-hosted",
    base_url: baseUrl,
    api_key_env: options.apiKeyEnv ?? null,
    is_simulated: check?.simulated ?? false,
    base_model: options.baseModel,
    training_file: null,
    validation_file: null,
    suffix: null,
    hyperparameters: {},
    trained_hyperparameters: null,
    job_id: null,
    status: "recorded",
    status_history: [{ status: "recorded", at: now }],
    events: [],
    error: null,
    fine_tuned_model: servedModel,
    trained_tokens: null,
    checkpoint: { checkpoint: localPath ?? options.checkpoint, is_local_path: localPath !== undefined, export: exported, endpoint_check: check?.result ?? null },
    created_at: now,
    updated_at: now,
    finished_at: null,
  };
  return { record, file: await store.write(record) };
}

/** dataset_info.json, the data files its entries name (relative to the folder) and training YAMLs. */
async function describeExport(dir: string): Promise<ExportRef> {
  const infoFile = join(dir, "dataset_info.json");
  let info: unknown;
  try {
    info = JSON.parse(await readFile(infoFile, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      { file: infoFile },
      code === "ENOENT" ? "file not found" : `not readable JSON (${(error as Error).message})`,
      "give --export the folder written by thinksafe tis export --format llamafactory",
    );
  }
  if (typeof info !== "object" || info === null || Array.isArray(info) || Object.keys(info).length === 0) {
    throw new DataError({ file: infoFile }, "expected an object of dataset entries", 'LLaMA-Factory\'s format: {"name": {"file_name": "data.json", ...}}');
  }
  const files = [{ file: "dataset_info.json", sha256: sha256(await readFile(infoFile)) }];
  for (const [dataset, entry] of Object.entries(info)) {
    const fileName = (entry as { file_name?: unknown } | null)?.file_name;
    if (typeof fileName !== "string") throw new DataError({ file: infoFile, column: `${dataset}.file_name` }, "is missing", "every entry names its data file, relative to the folder");
    const bytes = await readFile(join(dir, fileName)).catch(() => {
      throw new DataError({ file: join(dir, fileName) }, `named by ${dataset}.file_name in dataset_info.json but not found`, "export the data again, or fix file_name");
    });
    files.push({ file: fileName, sha256: sha256(bytes) });
  }
  for (const name of (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    files.push({ file: name, sha256: sha256(await readFile(join(dir, name))) });
  }
  return { dir: resolve(dir), files, datasets: Object.keys(info) };
}

/** GET /models on the endpoint: reachable, does it list the model, is it thinksafe's simulator. */
async function checkEndpoint(baseUrl: string, key: string | undefined, model: string): Promise<{ result: EndpointCheck; problem: string | null; simulated: boolean }> {
  const at = new Date().toISOString();
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/models`, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    const problem = `the endpoint did not answer (${cause}); recorded anyway: start the server before evaluating`;
    return { result: { at, reachable: false, model_listed: null, problem }, problem, simulated: false };
  }
  const simulated = response.headers.get("x-thinksafe-simulated") === "true";
  const body = (await response.json().catch(() => null)) as { data?: { id?: unknown }[] } | null;
  const ids = Array.isArray(body?.data) ? body.data.map((m) => m.id) : null;
  const listed = ids === null ? null : ids.includes(model);
  const problem =
    !response.ok ? `GET /models answered HTTP ${response.status}`
    : listed === false ? `the endpoint does not list the model "${model}" (it serves ${ids!.slice(0, 5).join(", ")}); pass --served-model with the name it serves the checkpoint under`
    : null;
  return { result: { at, reachable: true, model_listed: listed, problem }, problem, simulated };
}
