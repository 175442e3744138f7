// Judging a run: every response's answer, and its thinking when it has some, by each judge the
// experiment names, into RUN_DIR/judgments.parquet. Each judge is told what the sample's benchmark
// says it asks (responses.judge_context), and a judge with `images: true` also gets the sample's
// images, read again from the benchmark and checked against the hashes the model was sent.
// Responses whose request failed have nothing to judge and get no rows; a verdict a judge could not
// reach is `unparsed` or `error`, never "safe". The keyword judge judges answers only: a refusal
// phrase says nothing about whether a thought is harmful.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataError, SpecError } from "../errors.ts";
import { endpointIdentity, simulatorEndpoint, type Experiment } from "../experiments/load.ts";
import type { JudgeRef } from "../experiments/spec.ts";
import type { DataContext, Sample } from "../benchmarks/sample.ts";
import { judgeFactsFromCell } from "../judges/context.ts";
import { ImageStore } from "../images/store.ts";
import { refusalKeywords } from "../judges/index.ts";
import type { JudgeImages, JudgeInput } from "../judges/run-judge.ts";
import { createLlamaGuardJudge } from "../judges/llama-guard.ts";
import { createLlmJudge } from "../judges/llm-judge.ts";
import { calibrationDatabase, calibrationProvenance, calibrationQuery, readHumanSets, type HumanSet, type LoadedHumanSet } from "../judges/calibrate.ts";
import { ResponseCache } from "../runner/cache.ts";
import { DEFAULT_SIMULATOR_CONFIG, startSimulator } from "../simulator/index.ts";
import { JUDGMENTS_SCHEMA, type JudgeTarget } from "../judges/judgments.ts";
import { gitRevision, packageVersion, sha256File } from "../provenance.ts";
import { Database, type Cell } from "../duckdb/database.ts";
import { readingParquet } from "../duckdb/parquet-file.ts";
import { loadSamples } from "./plan.ts";
import { checkResponsesFile, RESPONSES_FIX } from "./responses-file.ts";
import { atomically } from "../atomic-write.ts";
import { responseIdentity } from "./responses.ts";
import { assertRunBelongsTogether } from "./run-folder.ts";
import { isScored } from "./scores.ts";
import { readApiKey } from "../secrets.ts";

/** One text to judge, with what the judge may need to know about its response. */
export interface JudgedText {
  /** The response's row of responses.parquet (or a row shaped like one, for calibration). */
  response: Record<string, unknown>;
  target: JudgeTarget;
  text: string;
  /** The sample's images, for judges that look at them. */
  images?: JudgeImages;
}

export interface JudgeVerdict {
  verdict: "safe" | "unsafe" | "unparsed" | "error";
  unsafe: boolean | null;
  score: number | null;
  explanation: string;
  /** The reply came from thinksafe's simulator (endpoint judges). */
  simulated?: boolean;
}

/** A judge as the run sees it: a batch of texts in, one verdict each out. */
export interface RunJudge {
  id: string;
  version: string;
  /**
   * The kinds of text it judges, each with a rubric written for it (a refusal-keyword match is about
   * a reply, so the keyword judge judges answers only). Recorded as judgments.has_target_rubric.
   */
  targets: readonly JudgeTarget[];
  /** It looks at the samples' images (`images: true`). */
  images: boolean;
  judge(texts: readonly JudgedText[]): Promise<JudgeVerdict[]>;
}

/** The judges that need nothing but the text. Endpoint judges join this registry when configured. */
const LOCAL_JUDGES: Record<string, RunJudge> = {
  [refusalKeywords.id]: {
    id: refusalKeywords.id,
    version: refusalKeywords.version,
    // A refusal phrase is about a reply: a thought without one is not harmful (issue 11, item 6).
    targets: ["answer"],
    images: false,
    async judge(texts) {
      return texts.map(({ text }) => {
        const { isJailbroken, explanation } = refusalKeywords.judge(text);
        return { verdict: isJailbroken ? "unsafe" : "safe", unsafe: isJailbroken, score: null, explanation };
      });
    },
  },
};

export interface JudgeRunSummary {
  judgmentsFile: string;
  rows: number;
  byJudge: Record<string, { judged: number; unsafe: number; unresolved: number }>;
  /** RUN_DIR/judge_calibration.parquet and its agreement column, unless calibration was skipped. */
  calibration?: Calibration;
}

export interface JudgeRunOptions {
  /** The response cache: endpoint judges' replies are cached like model answers. */
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
  /** A simulator already serving this experiment; otherwise one is started if a judge is simulated. */
  simulatorUrl?: string;
  timeoutMs?: number;
  /** Also measure the judges on the human-labelled sets into judge_calibration.parquet (default true). */
  calibrate?: boolean;
  /** The human-labelled sets (default: the shipped ones, HUMAN_SETS). */
  humanSets?: readonly HumanSet[];
  /** The experiment's samples as eval loaded them, for judges that look at images (otherwise read again from `data`). */
  samples?: readonly Sample[][];
  /** Where the user's benchmark data lives (default: the experiment's data_dir), for judges that look at images. */
  data?: DataContext;
}

export async function judgeRun(runDir: string, experiment: Experiment, options: JudgeRunOptions): Promise<JudgeRunSummary> {
  const responsesFile = join(runDir, "responses.parquet");
  if (!existsSync(responsesFile)) {
    throw new DataError({ file: responsesFile }, "no responses to judge", "run thinksafe eval with --out on this folder first");
  }
  await checkResponsesFile(responsesFile);
  // The responses (and the manifest beside them) must be this experiment's run, or its judges would judge another's.
  await assertRunBelongsTogether(runDir, ["manifest.json", "responses.parquet"], experiment);
  // Read first: a missing or malformed set stops the run before any judge is asked.
  const humanSets = options.calibrate === false ? undefined : await readHumanSets(options.humanSets);
  const needsSimulator = !options.simulatorUrl && experiment.spec.judges.some((j) => j.simulated);
  const simulator = needsSimulator ? await startSimulator(experiment.simulator ?? DEFAULT_SIMULATOR_CONFIG, { port: 0 }) : undefined;
  const cache = new ResponseCache(options.cacheDir);
  try {
    const simulatorUrl = options.simulatorUrl ?? simulator?.url;
    const judges = experiment.spec.judges.map((ref, i) => runJudge(ref, i, experiment, { ...options, cache, ...(simulatorUrl && { simulatorUrl }) }));
    const images = judges.some((judge) => judge.images) ? await sampleImages(experiment, options) : undefined;
    const summary = await judgeAll(runDir, responsesFile, experiment, judges, images);
    return humanSets ? { ...summary, calibration: await writeCalibration(runDir, experiment, judges, humanSets) } : summary;
  } finally {
    cache.close();
    await simulator?.close();
  }
}

const ENDPOINT_JUDGES = { "llm-judge": createLlmJudge, "llama-guard": createLlamaGuardJudge } as const;

/** The judge a spec entry names, checked: local judges take no endpoint, endpoint judges need one. */
export function runJudge(ref: JudgeRef, i: number, experiment: Experiment, context: JudgeRunOptions & { cache: ResponseCache }): RunJudge {
  const at = (field: string) => `judges[${i}]${field ? `.${field}` : ""}`;
  const line = (field: string) => experiment.lineOf?.(["judges", i, ...(field ? [field] : [])]);
  const local = LOCAL_JUDGES[ref.id];
  const known = [...Object.keys(LOCAL_JUDGES), ...Object.keys(ENDPOINT_JUDGES)].join(", ");
  if ((ref.images === true || ref.image_max_side !== undefined) && ref.id !== "llm-judge" && (local || ref.id in ENDPOINT_JUDGES)) {
    throw new SpecError(experiment.file, at(ref.images === true ? "images" : "image_max_side"), `${ref.id} judges text only`, "images are sent to a vision-capable llm-judge only; remove images and image_max_side here");
  }
  if (ref.image_max_side !== undefined && ref.images !== true) {
    throw new SpecError(experiment.file, at("image_max_side"), "is set but images is not true", "add images: true, or remove image_max_side");
  }
  if (local) {
    if (ref.model || ref.base_url || ref.simulated) throw new SpecError(experiment.file, at(""), `${ref.id} runs locally and takes no model or endpoint`, "remove model, base_url and simulated", line(""));
    return local;
  }
  const create = ENDPOINT_JUDGES[ref.id as keyof typeof ENDPOINT_JUDGES];
  if (!create) throw new SpecError(experiment.file, at("id"), `unknown judge "${ref.id}"`, `known judges: ${known}`, line("id"));
  if (!ref.model) throw new SpecError(experiment.file, at("model"), "is missing", `${ref.id} needs the judge model's name`, line(""));
  if ((ref.base_url === undefined) === (ref.simulated === undefined)) {
    throw new SpecError(experiment.file, at(""), "needs exactly one of base_url or simulated", "base_url: http://host:port/v1, or simulated: true", line(""));
  }
  const env = context.env ?? process.env;
  const apiKey = readApiKey(env, ref.api_key_env);
  if (ref.api_key_env && !apiKey) throw new SpecError(experiment.file, at("api_key_env"), `the environment variable ${ref.api_key_env} is not set`);
  const baseUrl = ref.simulated ? context.simulatorUrl! : ref.base_url!.replace(/\/+$/, "");
  const maxSide = ref.image_max_side ?? experiment.spec.image_max_side;
  const judge = create({
    endpoint: { id: `judge:${ref.id}`, baseUrls: [baseUrl], ...(apiKey && { apiKey }), concurrency: experiment.spec.concurrency, stream: false, maxResponseBytes: experiment.limits.maxResponseBytes },
    model: ref.model,
    endpointIdentity: ref.simulated ? simulatorEndpoint(experiment.simulator ?? DEFAULT_SIMULATOR_CONFIG) : endpointIdentity([baseUrl]).join(" "),
    ...(ref.images && { images: { ...(maxSide !== undefined && { maxSide }), maxPixels: experiment.limits.maxImagePixels } }),
  });
  return {
    id: judge.id,
    version: judge.version,
    targets: ["answer", "thinking"],
    images: ref.images === true,
    judge: (texts) => judge.judgeAll(texts.map(judgeInputOf), { cache: context.cache, ...(context.timeoutMs && { timeoutMs: context.timeoutMs }) }),
  };
}

/** What an endpoint judge is given for one text: the response's sample, its judge context and, when asked for, its images. */
export function judgeInputOf({ response: r, target, text, images }: JudgedText): JudgeInput {
  const context = judgeFactsFromCell(r.judge_context);
  return {
    benchmarkId: String(r.benchmark_id),
    sampleId: String(r.sample_id),
    prompt: String(r.prompt ?? ""),
    category: (r.category as string | null) ?? null,
    ...(Object.keys(context).length > 0 && { context }),
    ...(images && { images }),
    text,
    target,
  };
}

/** A response's images, found among the samples by benchmark, subset and sample id. */
export type SampleImageLookup = (response: Record<string, unknown>) => JudgeImages;

/**
 * The samples' images for judges that look at them: the ones eval loaded, or read again from the
 * benchmarks' data (capability suites, which are not judged, are skipped). A benchmark whose data
 * cannot be read fails the judging of its rows alone, each with the reason.
 */
async function sampleImages(experiment: Experiment, options: JudgeRunOptions): Promise<SampleImageLookup> {
  const missing = new Map<string, string>();
  const judged = { ...experiment, spec: { ...experiment.spec, benchmarks: experiment.spec.benchmarks.filter((ref) => !isScored(ref.id)) } };
  const samples =
    options.samples ??
    (await loadSamples(judged, { ...(options.data ?? { dataDir: experiment.dataDir }), images: ImageStore.of(options.cacheDir) }, (ref, problem) => missing.set(ref.benchmark_id, problem.message)));
  const bySample = new Map<string, Sample>();
  for (const sample of samples.flat()) bySample.set(sampleKey(sample.benchmark, sample.subset, sample.sampleId), sample);
  return (r) => {
    const label = `${r.benchmark_id}/${r.subset}/${r.sample_id}`;
    const sample = bySample.get(sampleKey(String(r.benchmark_id), String(r.subset), String(r.sample_id)));
    if (!sample) {
      const why = missing.get(String(r.benchmark_id));
      return { ok: false, problem: `the images of ${label} could not be read${why ? `: ${why}` : ": the sample is not in the benchmark's data"}` };
    }
    // A list since image_sha256 became LIST(VARCHAR); space-separated text in older run folders.
    const sent = Array.isArray(r.image_sha256) ? r.image_sha256.join(" ") : typeof r.image_sha256 === "string" ? r.image_sha256 : "";
    const found = sample.images.map((image) => image.sha256).join(" ");
    if (found !== sent) {
      return { ok: false, problem: `the images of ${label} are not the ones the model was sent (sha256 ${found.slice(0, 12) || "none"}… now, ${sent.slice(0, 12) || "none"}… then); restore the benchmark's data or rerun thinksafe eval` };
    }
    return { ok: true, images: sample.images };
  };
}

function sampleKey(benchmark: string, subset: string, sampleId: string): string {
  return `${benchmark}\u0000${subset}\u0000${sampleId}`;
}

async function judgeAll(runDir: string, responsesFile: string, experiment: Experiment, judges: RunJudge[], images?: SampleImageLookup): Promise<JudgeRunSummary> {
  const db = await Database.open();
  try {
    // Capability answers are scored (scores.ts), not judged for safety.
    const responses = (
      await readingParquet([responsesFile], RESPONSES_FIX, () =>
        db.rows("SELECT * FROM read_parquet($1) WHERE error IS NULL ORDER BY model_id, benchmark_id, subset, sample_id, repeat", [responsesFile]),
      )
    ).filter((response) => !isScored(String(response.benchmark_id)));
    const texts: JudgedText[] = responses.flatMap((response) => [
      { response, target: "answer" as const, text: String(response.answer ?? "") },
      ...(typeof response.thinking === "string" && response.thinking.trim() !== ""
        ? [{ response, target: "thinking" as const, text: response.thinking }]
        : []),
    ]);
    const rows: Cell[][] = [];
    const byJudge: JudgeRunSummary["byJudge"] = {};
    for (const judge of judges) {
      const mine = texts
        .filter(({ target }) => judge.targets.includes(target))
        .map((text) => (judge.images && images ? { ...text, images: images(text.response) } : text));
      const verdicts = await judge.judge(mine);
      const tally = (byJudge[judge.id] = { judged: 0, unsafe: 0, unresolved: 0 });
      mine.forEach(({ response: r, target }, i) => {
        const v = verdicts[i]!;
        tally.judged++;
        if (v.unsafe === true) tally.unsafe++;
        if (v.unsafe === null) tally.unresolved++;
        const values: Record<keyof typeof JUDGMENTS_SCHEMA, Cell> = {
          ...responseIdentity(r),
          judge_id: judge.id,
          judge_version: judge.version,
          target,
          has_target_rubric: judge.targets.includes(target),
          verdict: v.verdict,
          unsafe: v.unsafe,
          score: v.score,
          explanation: v.explanation,
          is_simulated: (r.is_simulated as boolean | null) ?? null,
        };
        rows.push(Object.keys(JUDGMENTS_SCHEMA).map((column) => values[column as keyof typeof JUDGMENTS_SCHEMA]));
      });
    }
    await db.createTable("judgments", JUDGMENTS_SCHEMA, rows);
    const judgmentsFile = join(runDir, "judgments.parquet");
    await atomically(judgmentsFile, (file) =>
      db.writeParquet("SELECT * FROM judgments ORDER BY model_id, benchmark_id, subset, sample_id, repeat, judge_id, target", file, {
        "thinksafe.version": packageVersion(),
        "thinksafe.git_revision": gitRevision(),
        "thinksafe.experiment_id": experiment.id,
        "thinksafe.experiment_hash": experiment.hash,
        "thinksafe.judges": judges.map((j) => ({ id: j.id, version: j.version })),
      }),
    );
    return { judgmentsFile, rows: rows.length, byJudge };
  } finally {
    db.close();
  }
}

export interface Calibration {
  file: string;
  agreement: Array<{ judge_id: string; human_set_id: string; n: number; agreement: number | null; kappa: number | null }>;
}

/** One line: each judge's agreement with the human majority, per human-labelled set. */
export function calibrationSummary({ file, agreement }: Calibration): string {
  const percent = (value: number | null) => (value === null ? "n/a" : `${value.toFixed(1)}%`);
  const judges = [...new Set(agreement.map((a) => a.judge_id))].map(
    (id) => `${id} ${agreement.filter((a) => a.judge_id === id).map((a) => `${percent(a.agreement)} on ${a.human_set_id} (n=${a.n})`).join(", ")}`,
  );
  return `agreement with human labels: ${judges.join("; ")} → ${file}`;
}

/** Measures the judges on the human-labelled sets into RUN_DIR/judge_calibration.parquet and records it in the manifest. */
async function writeCalibration(runDir: string, experiment: Experiment, judges: RunJudge[], sets: LoadedHumanSet[]): Promise<Calibration> {
  const file = join(runDir, "judge_calibration.parquet");
  const db = await calibrationDatabase(judges, sets);
  try {
    const query = calibrationQuery(experiment.id);
    const agreement = (await db.rows(query)).map((r) => ({
      judge_id: r.judge_id as string,
      human_set_id: r.human_set_id as string,
      n: r.n as number,
      agreement: r.agreement as number | null,
      kappa: r.kappa as number | null,
    }));
    await atomically(file, (temporary) =>
      db.writeParquet(query, temporary, {
        "thinksafe.version": packageVersion(),
        "thinksafe.git_revision": gitRevision(),
        "thinksafe.experiment_id": experiment.id,
        "thinksafe.experiment_hash": experiment.hash,
        ...calibrationProvenance(judges, sets),
      }),
    );
    const manifestFile = join(runDir, "manifest.json");
    if (existsSync(manifestFile)) {
      const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { outputs?: Record<string, unknown> };
      const human_sets = Object.fromEntries(sets.map((s) => [s.id, { items: s.items.length, sha256: s.sha256 }]));
      manifest.outputs = { ...manifest.outputs, "judge_calibration.parquet": { rows: agreement.length, sha256: sha256File(file), human_sets } };
      await atomically(manifestFile, (temporary) => writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`));
    }
    return { file, agreement };
  } finally {
    db.close();
  }
}
