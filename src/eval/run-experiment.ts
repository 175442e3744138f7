// `thinksafe eval`: an experiment's models × benchmark samples × repeats, through the cache and the
// runner, into DIR/responses.parquet and DIR/manifest.json. Rerunning with the same spec and DIR
// resumes: everything answered before comes from the cache, failures are asked again. The
// simulator, the Batch API client, scoring and judging are imported when a run needs them: an
// eval's start-up, before its first request, is mostly loading modules.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { getBenchmark } from "../benchmarks/index.ts";
import type { Benchmark, DataContext, Sample } from "../benchmarks/sample.ts";
import { DataError } from "../errors.ts";
import { ImageStore } from "../images/store.ts";
import type { Experiment, ResolvedModel } from "../experiments/load.ts";
import { gitRevision, installedVersion, packageVersion, sha256File } from "../provenance.ts";
import { ResponseCache } from "../runner/cache.ts";
import { Progress } from "../runner/progress.ts";
import { runWork, type Endpoint, type Result, type WorkItem } from "../runner/run.ts";
import { Database } from "../duckdb/database.ts";
import { atomically } from "../atomic-write.ts";
import { preflight } from "./preflight.ts";
import type { JudgeRunSummary } from "./judge-run.ts";
import { runCells } from "./cells.ts";
import { loadSamples, outputNames, planRows, type BenchmarkLabel, type PlannedRow, type Shard } from "./plan.ts";
import { profileHash } from "../models/profile.ts";
import { runDialogues, type RowResult } from "./dialogue.ts";
import { requestBody } from "./request.ts";
import { prepareOutFolder, readStamps, type FileStamp } from "./run-folder.ts";
import { RESPONSES_SCHEMA, responseRow } from "./responses.ts";
import { readApiKey } from "../secrets.ts";

export interface EvalOptions {
  outDir: string;
  cacheDir: string;
  /** Where the user's benchmark data lives (see benchmarks/data-dir.ts); default: the experiment's data_dir. */
  data?: DataContext;
  shard?: Shard;
  env?: NodeJS.ProcessEnv;
  progress?: ConstructorParameters<typeof Progress>[1];
  /**
   * "fail" (default): a benchmark whose data is missing stops the run. "record": it is left out and
   * recorded in the manifest's cells with why, as unconfigured endpoints are (the site build).
   */
  missing?: "fail" | "record";
  /** Sees the loaded samples (e.g. the site keeps thumbnails of their images). */
  onSamples?: (samples: readonly Sample[][]) => void | Promise<void>;
  /** Measure the judges on the human-labelled sets too (judge_calibration.parquet; default true). */
  calibrate?: boolean;
  /** Replace a run of another experiment in outDir (otherwise refused, before any request). */
  force?: boolean;
  log?: (line: string) => void;
}

export interface EvalSummary {
  rows: number;
  answered: number;
  fromCache: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Models that could not be asked at all, with why. */
  unavailable: Record<string, string>;
  responsesFile: string;
  manifestFile: string;
}

export async function runExperiment(experiment: Experiment, options: EvalOptions): Promise<EvalSummary> {
  // Before anything is asked: the folder must not hold another experiment's run (run-folder.ts).
  const replaced = await prepareOutFolder(options.outDir, experiment, { force: options.force ?? false });
  if (!experiment.simulator) return evaluate(experiment, options, replaced);
  // Simulated models are served by a simulator started for this run, on a free local port.
  const { startSimulator } = await import("../simulator/index.ts");
  const simulator = await startSimulator(experiment.simulator, { port: 0 });
  try {
    const models = experiment.models.map((m) => (m.simulated ? { ...m, baseUrls: [simulator.url] } : m));
    return await evaluate({ ...experiment, models }, options, replaced);
  } finally {
    await simulator.close();
  }
}

async function evaluate(experiment: Experiment, options: EvalOptions, replaced: readonly FileStamp[]): Promise<EvalSummary> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const startedAt = new Date();
  const spec = experiment.spec;

  const { endpoints, unavailable } = await checkEndpoints(experiment.models, env, log, experiment.limits.maxResponseBytes);
  for (const [modelId, problem] of Object.entries(unavailable)) log(`[eval] ${modelId}: ${problem}`);

  const missingData: Array<BenchmarkLabel & { problem: string }> = [];
  const recording = options.missing === "record";
  const onMissing = recording ? (ref: BenchmarkLabel, problem: Error) => missingData.push({ ...ref, problem: problem.message }) : undefined;
  // When no model can be asked, recording a run needs only to know what data is missing: counting
  // it is cheap, loading it (rendering images) is not.
  const nobodyToAsk = recording && endpoints.length === 0;
  // Image hashes are remembered and drawn images kept beside the response cache.
  const data: DataContext = { ...(options.data ?? { dataDir: experiment.dataDir }), images: ImageStore.of(options.cacheDir) };
  const samples = nobodyToAsk ? await inventoryOnly(experiment, data, onMissing!) : await loadSamples(experiment, data, onMissing);
  await options.onSamples?.(samples);
  const planned = planRows(experiment, samples, options.shard);
  for (const { benchmark_id, subset, problem } of missingData) log(`[eval] ${benchmark_id}${subset ? `/${subset}` : ""}: data missing: ${problem}`);

  const cache = new ResponseCache(options.cacheDir, { onSkipped: (line) => log(`[eval] cache: ${line}`) });
  const progress = new Progress(planned.length, options.progress);
  const results = new Array<RowResult>(planned.length);
  const singles: Array<{ index: number; item: WorkItem }> = [];
  const dialogues: Array<{ index: number; row: PlannedRow }> = [];
  planned.forEach((row, index) => {
    const problem = unavailable[row.model.id];
    if (problem !== undefined) {
      results[index] = { ok: false, errorKind: row.model.unconfigured ? "endpoint_unconfigured" : "endpoint_unavailable", error: problem, attempts: 0 };
      progress.record(results[index]!);
    } else if (row.model.profile.exchange.kind === "dialogue") {
      dialogues.push({ index, row });
    } else {
      singles.push({
        index,
        item: {
          key: row.key,
          endpoint: row.model.id,
          // An image that is not one, or over the pixel limit, fails this sample's rows only (SampleError).
          body: () => requestBody(row.model, row.sample, row.repeat, spec.image_max_side, undefined, experiment.limits.maxImagePixels),
        },
      });
    }
  });
  const batchModels = new Set(experiment.models.filter((m) => m.mode === "batch").map((m) => m.id));
  const ask = (entries: ReadonlyArray<{ index: number; item: WorkItem }>, onResult?: (item: WorkItem, result: Result) => void) =>
    askRound(entries, endpoints, batchModels, { cache, timeoutMs: spec.timeout_s * 1000, maxAttempts: spec.max_attempts, pollIntervalMs: spec.batch_poll_s * 1000, log, ...(onResult && { onResult }) });
  try {
    await Promise.all([
      ask(singles, (_item, result) => progress.record(result)).then((answers) => singles.forEach((s, i) => (results[s.index] = answers[i]!))),
      runDialogues(dialogues, (entries) => ask(entries), {
        imageMaxSide: spec.image_max_side,
        maxPixels: experiment.limits.maxImagePixels,
        onRow: (index, result) => {
          results[index] = result;
          progress.record(result);
        },
        log,
      }),
    ]);
  } finally {
    cache.close();
  }
  log(progress.finish());

  await mkdir(options.outDir, { recursive: true });
  const names = outputNames(options.shard);
  const responsesFile = join(options.outDir, names.responses);
  const db = await Database.open();
  // Row by row to a file DuckDB reads as it writes the Parquet: the rows are never all in memory twice.
  const rowsFile = `${responsesFile}.${process.pid}.rows.tmp`;
  try {
    await db.createRowsView("responses", RESPONSES_SCHEMA, (function* () {
      for (const [i, row] of planned.entries()) yield responseRow(experiment, row, results[i]!);
    })(), rowsFile);
    await writeResponses(db, "SELECT * FROM responses", experiment, responsesFile);
  } finally {
    db.close();
    await rm(rowsFile, { force: true });
  }

  const counts = progress.counts;
  const summary: EvalSummary = {
    rows: planned.length,
    answered: counts.done - counts.cached - counts.errors,
    fromCache: counts.cached,
    errors: counts.errors,
    errorKinds: Object.fromEntries(counts.errorKinds),
    unavailable,
    responsesFile,
    manifestFile: join(options.outDir, names.manifest),
  };
  const manifest = {
    experiment: { id: experiment.id, hash: experiment.hash, file: resolve(experiment.file) },
    shard: options.shard ? `${options.shard.index}/${options.shard.count}` : null,
    cache_dir: options.cacheDir,
    git_revision: gitRevision(),
    versions: versions(),
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    // Endpoints as recorded: URLs without credentials, the NAME of the key's variable, never a key.
    endpoints: experiment.models.map((m) => ({
      model_id: m.id,
      model: m.model,
      profile: m.profile.id,
      profile_sha256: profileHash(m.profile),
      endpoint: m.endpoint,
      simulated: m.simulated,
      api_key_env: m.apiKeyEnv,
      status: unavailable[m.id] ?? "ok",
    })),
    counts: { rows: summary.rows, answered: summary.answered, from_cache: summary.fromCache, errors: summary.errors, error_kinds: summary.errorKinds },
    // Per model × benchmark: what was planned, asked, taken from the cache, failed, or missing and why.
    cells: runCells(experiment, planned, results, unavailable, missingData),
    outputs: { [names.responses]: { rows: planned.length, sha256: sha256File(responsesFile) } },
  };
  await atomically(summary.manifestFile, (file) => writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`));
  const simulatorUrl = experiment.models.find((m) => m.simulated)?.baseUrls[0];
  // A shard's rows are scored and judged once merged; a whole run right away.
  if (!options.shard) {
    const { scoreRun } = await import("./scores.ts");
    const scored = await scoreRun(options.outDir, experiment, samples, { cacheDir: options.cacheDir, env, timeoutMs: spec.timeout_s * 1000, ...(simulatorUrl && { simulatorUrl }) });
    if (scored.rows > 0) log(`[eval] scored ${scored.rows.toLocaleString("en-US")} capability answers${scored.unscored ? ` (${scored.unscored.toLocaleString("en-US")} unscored)` : ""} → ${scored.scoresFile}`);
  }
  if (!options.shard && spec.judges.length > 0) {
    const { calibrationSummary, judgeRun } = await import("./judge-run.ts");
    const judged = await judgeRun(options.outDir, experiment, {
      cacheDir: options.cacheDir,
      env,
      timeoutMs: spec.timeout_s * 1000,
      ...(simulatorUrl && { simulatorUrl }),
      calibrate: options.calibrate !== false,
      samples,
    });
    log(`[eval] judged: ${judgeSummary(judged)} → ${judged.judgmentsFile}`);
    if (judged.calibration) log(`[eval] ${calibrationSummary(judged.calibration)}`);
  }
  // A replaced run (--force) leaves nothing behind that its files could be mixed with.
  if (replaced.length > 0) {
    const leftovers = (await readStamps(options.outDir)).filter((stamp) => stamp.hash !== experiment.hash);
    for (const stamp of leftovers) await rm(join(options.outDir, stamp.name), { force: true });
    if (leftovers.length) log(`[eval] removed the replaced run's ${leftovers.map((s) => s.name).join(", ")}`);
  }
  return summary;
}

/** No samples, but every benchmark whose data is not all present reported to `onMissing`. */
async function inventoryOnly(experiment: Experiment, data: DataContext | undefined, onMissing: (ref: BenchmarkLabel, problem: Error) => void): Promise<Sample[][]> {
  const context = data ?? { dataDir: experiment.dataDir };
  for (const ref of experiment.spec.benchmarks) {
    const selection = { ...(ref.subset && { subset: ref.subset }), ...(ref.limit && { limit: ref.limit }) };
    let inventory: Awaited<ReturnType<Benchmark["inventory"]>>;
    try {
      inventory = await getBenchmark(ref.id).inventory(selection, context);
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      onMissing({ benchmark_id: ref.id, subset: ref.subset ?? null }, error);
      continue;
    }
    if (inventory.samples === 0 || inventory.imagesMissing > 0) {
      const what = inventory.samples === 0 ? "no samples found" : `${inventory.imagesMissing.toLocaleString("en-US")} of ${(inventory.imagesPresent + inventory.imagesMissing).toLocaleString("en-US")} images missing`;
      onMissing({ benchmark_id: ref.id, subset: ref.subset ?? null }, new Error(`${what}${inventory.howToGet ? ` (${inventory.howToGet})` : ""}`));
    }
  }
  return experiment.spec.benchmarks.map(() => []);
}

export function judgeSummary(judged: JudgeRunSummary): string {
  return Object.entries(judged.byJudge)
    .map(([id, t]) => `${id} ${t.unsafe.toLocaleString("en-US")} unsafe of ${t.judged.toLocaleString("en-US")}${t.unresolved ? ` (${t.unresolved} unresolved)` : ""}`)
    .join("; ");
}

/** Rows of responses.parquet a row group holds: its writer's memory stays bounded whatever the run's size. */
export const RESPONSES_ROW_GROUP = 8192;

/** Writes the responses Parquet with its provenance; the same rows always give the same bytes. */
export async function writeResponses(db: Database, query: string, experiment: Experiment, file: string): Promise<void> {
  await atomically(file, (temporary) =>
    db.writeParquet(
      query,
      temporary,
      {
        "thinksafe.version": packageVersion(),
        "thinksafe.git_revision": gitRevision(),
        "thinksafe.experiment_id": experiment.id,
        "thinksafe.experiment_hash": experiment.hash,
      },
      { rowGroupSize: RESPONSES_ROW_GROUP },
    ),
  );
}

async function checkEndpoints(models: readonly ResolvedModel[], env: NodeJS.ProcessEnv, log: (line: string) => void, maxResponseBytes: number) {
  const endpoints: Endpoint[] = [];
  const unavailable: Record<string, string> = {};
  const checks = new Map<string, ReturnType<typeof preflight>>();
  for (const model of models) {
    const apiKey = readApiKey(env, model.apiKeyEnv);
    if (model.unconfigured) {
      unavailable[model.id] = model.unconfigured;
      continue;
    }
    if (model.apiKeyEnv && !apiKey) {
      unavailable[model.id] = `the environment variable ${model.apiKeyEnv} (api_key_env) is not set`;
      continue;
    }
    const outcomes = await Promise.all(
      model.baseUrls.map((url) => {
        const id = `${url}\n${apiKey ?? ""}`;
        if (!checks.has(id)) checks.set(id, preflight(url, apiKey));
        return checks.get(id)!;
      }),
    );
    const problems = outcomes.flatMap((o) => (o.ok ? [] : [o.problem]));
    const reachable = model.baseUrls.filter((_, i) => outcomes[i]!.ok);
    if (reachable.length === 0) {
      unavailable[model.id] = problems.join("; ");
      continue;
    }
    for (const problem of problems) log(`[eval] ${model.id}: skipping a replica: ${problem}`);
    endpoints.push({ id: model.id, baseUrls: reachable, ...(apiKey && { apiKey }), concurrency: model.concurrency, stream: model.stream, maxResponseBytes });
  }
  return { endpoints, unavailable };
}

/**
 * One round of requests, each to its model's endpoint: online through the pools, or as OpenAI
 * batches for batch-mode models. Results in the order of `entries`.
 */
async function askRound(
  entries: ReadonlyArray<{ index: number; item: WorkItem }>,
  endpoints: readonly Endpoint[],
  batchModels: ReadonlySet<string>,
  options: { cache: ResponseCache; timeoutMs: number; maxAttempts: number; pollIntervalMs: number; log: (line: string) => void; onResult?: (item: WorkItem, result: Result) => void },
): Promise<Result[]> {
  const results = new Array<Result>(entries.length);
  const positions = entries.map((_, i) => i);
  const online = positions.filter((i) => !batchModels.has(entries[i]!.item.endpoint));
  const { cache, timeoutMs, onResult } = options;
  await Promise.all([
    runWork(online.map((i) => entries[i]!.item), endpoints, { cache, timeoutMs, maxAttempts: options.maxAttempts, ...(onResult && { onResult }) }).then((answers) =>
      online.forEach((position, i) => (results[position] = answers[i]!)),
    ),
    ...endpoints
      .filter((endpoint) => batchModels.has(endpoint.id))
      .map(async (endpoint) => {
        const mine = positions.filter((i) => entries[i]!.item.endpoint === endpoint.id);
        if (mine.length === 0) return;
        const { runBatch } = await import("../runner/batch.ts");
        const answers = await runBatch(mine.map((i) => entries[i]!.item), endpoint, {
          cache,
          timeoutMs,
          pollIntervalMs: options.pollIntervalMs,
          ...(onResult && { onResult }),
          onStatus: (line) => options.log(`[eval] ${endpoint.id}: ${line}`),
        });
        mine.forEach((position, i) => (results[position] = answers[i]!));
      }),
  ]);
  return results;
}

function versions(): Record<string, string> {
  const names = ["openai", "@duckdb/node-api"];
  return { thinksafe: packageVersion(), node: process.version, ...Object.fromEntries(names.map((n) => [n, installedVersion(n)])) };
}
