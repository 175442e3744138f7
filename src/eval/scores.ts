// Scoring a run's capability answers (benchmarks of group `capability`) into RUN_DIR/scores.parquet:
// one row per answered response, scored by its benchmark's official rule (src/benchmarks/scoring/),
// decision for decision as the official Python evaluators score it. POPE and thinksafe's
// synthetic-shapes by POPE's first-sentence rule, MMStar by its answer-prefix rule, MMMU by its
// choice / open-answer parser; MM-Vet by an LLM grader (grade-mm-vet.ts) with upstream's reading and
// re-asks, when the experiment names one. Safety suites are judged, not scored. An answer that
// cannot be scored (no grader, a failed request, a NaN grade) is a row with `score` null and why.
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BENCHMARKS } from "../benchmarks/index.ts";
import type { DataContext, Sample } from "../benchmarks/sample.ts";
import { scoreMmmu } from "../benchmarks/scoring/mmmu.ts";
import { mmstarCorrect } from "../benchmarks/scoring/multiple-choice.ts";
import { popeAnswer } from "../benchmarks/scoring/pope.ts";
import { DataError } from "../errors.ts";
import { endpointIdentity, simulatorEndpoint, type Experiment } from "../experiments/load.ts";
import { gitRevision, packageVersion, sha256File } from "../provenance.ts";
import { ResponseCache } from "../runner/cache.ts";
import { DEFAULT_SIMULATOR_CONFIG, startSimulator } from "../simulator/index.ts";
import { Database, sqlString, type Cell, type Schema } from "../duckdb/database.ts";
import { readingParquet } from "../duckdb/parquet-file.ts";
import { checkResponsesFile, RESPONSES_FIX } from "./responses-file.ts";
import { gradeMmVet, type MmVetGraded, type MmVetJudge } from "./grade-mm-vet.ts";
import { loadSamples } from "./plan.ts";
import { responseIdentity } from "./responses.ts";
import { atomically } from "../atomic-write.ts";
import { readApiKey } from "../secrets.ts";

export const SCORES_SCHEMA = {
  experiment_id: "VARCHAR",
  experiment_hash: "VARCHAR",
  model_id: "VARCHAR",
  base_model_id: "VARCHAR",
  benchmark_id: "VARCHAR",
  subset: "VARCHAR",
  sample_id: "VARCHAR",
  category: "VARCHAR",
  repeat: "INTEGER",
  /** The rule that scored the answer: `pope`, `mmstar`, `mmmu`, or `<grader model>/mm-vet-grader@<prompt hash>`. */
  scorer: "VARCHAR",
  /**
   * How the rule decided. MMMU multiple choice: `bracket` ("(B)"), `letter` (" B "), `text` (an
   * option's text) or `random` (upstream's random fallback: no letter or option found; thinksafe's
   * pick is seeded by the sample id, so its decision is a fair draw, not upstream's); MMMU open:
   * `open`; MM-Vet: `first-token` (the reply's first token read by float(), after `grader_reasks`
   * re-asks) or `zero-after-reasks` (upstream's 0.0 after five unreadable replies). Null for POPE
   * and MMStar (one way each) and for MM-Vet answers not graded.
   */
  method: "VARCHAR",
  /** MM-Vet: the re-asks sent to the grader before its grade (0–4, upstream's rule); null otherwise. */
  grader_reasks: "INTEGER",
  /** What the rule read in the answer (`yes`, a letter, the open answers); null for graded answers. */
  prediction: "VARCHAR",
  /** Right or wrong, for rules that decide that; null for graded answers and unscored ones. */
  correct: "BOOLEAN",
  /** 0–1: 1 or 0 for right or wrong, the grade for graded answers; null when unscored. */
  score: "DOUBLE",
  /** Why an answer is unscored, or, for MM-Vet's 0.0 after five unreadable replies, those replies; null otherwise. */
  explanation: "VARCHAR",
  is_simulated: "BOOLEAN",
} as const satisfies Schema;

/** Groups whose answers are scored; the rest are judged for safety. */
export function isScored(benchmarkId: string): boolean {
  return BENCHMARKS[benchmarkId]?.group === "capability";
}

/** One answer's scores row, without the response's identity. */
export interface Scored {
  scorer: string;
  method: string | null;
  grader_reasks: number | null;
  prediction: string | null;
  correct: boolean | null;
  score: number | null;
  explanation: string | null;
}

/** The benchmarks whose answers a local rule scores, with that rule. */
const LOCAL_SCORERS: Record<string, (sample: Sample, answer: string) => Scored> = {
  pope: popeScore,
  "synthetic-shapes": popeScore,
  mmstar: (sample, answer) => decided("mmstar", null, null, mmstarCorrect(answer, referenceOf(sample).answer)),
  mmmu: (sample, answer) => {
    const result = scoreMmmu({ reference: referenceOf(sample), response: answer, seed: sample.sampleId });
    return result.parsed
      ? decided("mmmu", result.parsed.method, result.parsed.choice, result.correct)
      : decided("mmmu", "open", JSON.stringify(result.predictions ?? []), result.correct);
  },
};

function popeScore(sample: Sample, answer: string): Scored {
  const prediction = popeAnswer(answer);
  return decided("pope", null, prediction, prediction === referenceOf(sample).answer);
}

function decided(scorer: string, method: string | null, prediction: string | null, correct: boolean): Scored {
  return { scorer, method, grader_reasks: null, prediction, correct, score: correct ? 1 : 0, explanation: null };
}

function referenceOf(sample: Sample): NonNullable<Sample["reference"]> {
  if (!sample.reference) throw new Error(`${sample.benchmark} sample ${sample.sampleId} has no reference answer to score against`);
  return sample.reference;
}

/** The scores of answers a local rule can score; null for a benchmark it cannot (MM-Vet). */
export function scoreLocally(sample: Sample, answer: string): Scored | null {
  return LOCAL_SCORERS[sample.benchmark]?.(sample, answer) ?? null;
}

export interface ScoreRunOptions {
  /** The response cache MM-Vet's grades go through (like judges' verdicts). */
  cacheDir?: string;
  /** Where the grader's key is read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A simulator already serving this run, for a simulated grader. */
  simulatorUrl?: string;
  timeoutMs?: number;
}

export interface ScoreRunSummary {
  /** RUN_DIR/scores.parquet, or null when there was nothing to score (no file is written). */
  scoresFile: string | null;
  rows: number;
  unscored: number;
}

/**
 * Scores RUN_DIR/responses.parquet's answered capability rows against `samples` (the run's loaded
 * benchmarks, for their reference answers) into RUN_DIR/scores.parquet, and records the file in the
 * manifest. A run without capability answers gets no file (and loses a stale one): readers such as
 * Hugging Face `datasets` refuse a Parquet file without rows, and the statistics read a missing
 * scores.parquet as no scores.
 */
export async function scoreRun(runDir: string, experiment: Experiment, samples: readonly Sample[][], options: ScoreRunOptions = {}): Promise<ScoreRunSummary> {
  const responsesFile = join(runDir, "responses.parquet");
  if (!existsSync(responsesFile)) throw new DataError({ file: responsesFile }, "no responses to score", "run thinksafe eval with --out on this folder first");
  await checkResponsesFile(responsesFile);
  const bySample = new Map(samples.flat().map((sample) => [`${sample.benchmark}\0${sample.subset}\0${sample.sampleId}`, sample]));
  const db = await Database.open();
  try {
    const scored = [...new Set(samples.flat().map((s) => s.benchmark))].filter(isScored);
    const responses = scored.length
      ? await readingParquet([responsesFile], RESPONSES_FIX, () =>
          db.rows(
            `SELECT * FROM read_parquet($1) WHERE error IS NULL AND benchmark_id IN (${scored.map(sqlString).join(", ")})
             ORDER BY model_id, benchmark_id, subset, sample_id, repeat`,
            [responsesFile],
          ),
        )
      : [];
    const sampleOf = (r: Record<string, unknown>) => {
      const sample = bySample.get(`${r.benchmark_id}\0${r.subset}\0${r.sample_id}`);
      if (!sample) throw new DataError({ file: responsesFile }, `response ${r.model_id} × ${r.benchmark_id}/${r.subset}/${r.sample_id} is not a sample of the experiment`, "rerun thinksafe eval with this spec");
      return sample;
    };
    const results: Scored[] = responses.map((r) => scoreLocally(sampleOf(r), String(r.answer ?? "")) ?? { scorer: "", method: null, grader_reasks: null, prediction: null, correct: null, score: null, explanation: null });
    await gradeRemaining(responses, results, sampleOf, experiment, options);
    const rows = responses.map((r, i): Cell[] => {
      const values: Record<keyof typeof SCORES_SCHEMA, Cell> = {
        ...responseIdentity(r),
        ...results[i]!,
        is_simulated: (r.is_simulated as boolean | null) ?? null,
      };
      return Object.keys(SCORES_SCHEMA).map((column) => values[column as keyof typeof SCORES_SCHEMA]);
    });
    const scoresFile = join(runDir, "scores.parquet");
    if (rows.length === 0) {
      await rm(scoresFile, { force: true });
      await recordInManifest(runDir, scoresFile, 0);
      return { scoresFile: null, rows: 0, unscored: 0 };
    }
    await db.createTable("scores", SCORES_SCHEMA, rows);
    await atomically(scoresFile, (file) =>
      db.writeParquet("SELECT * FROM scores", file, {
        "thinksafe.version": packageVersion(),
        "thinksafe.git_revision": gitRevision(),
        "thinksafe.experiment_id": experiment.id,
        "thinksafe.experiment_hash": experiment.hash,
      }),
    );
    await recordInManifest(runDir, scoresFile, rows.length);
    return { scoresFile, rows: rows.length, unscored: results.filter((r) => r.score === null).length };
  } finally {
    db.close();
  }
}

/** MM-Vet's answers, graded by the experiment's grader, or left unscored with why. */
async function gradeRemaining(
  responses: Record<string, unknown>[],
  results: Scored[],
  sampleOf: (r: Record<string, unknown>) => Sample,
  experiment: Experiment,
  options: ScoreRunOptions,
): Promise<void> {
  const waiting = results.flatMap((result, i) => (result.scorer === "" ? [i] : []));
  if (waiting.length === 0) return;
  // A simulated grader with no simulator serving the run gets one of its own.
  const simulator = experiment.spec.grader?.simulated && !options.simulatorUrl ? await startSimulator(experiment.simulator ?? DEFAULT_SIMULATOR_CONFIG, { port: 0 }) : undefined;
  try {
    await grade(responses, results, waiting, sampleOf, experiment, simulator ? { ...options, simulatorUrl: simulator.url } : options);
  } finally {
    await simulator?.close();
  }
}

async function grade(
  responses: Record<string, unknown>[],
  results: Scored[],
  waiting: number[],
  sampleOf: (r: Record<string, unknown>) => Sample,
  experiment: Experiment,
  options: ScoreRunOptions,
): Promise<void> {
  const grader = graderOf(experiment, options);
  if (typeof grader === "string" || !options.cacheDir) {
    const why = typeof grader === "string" ? grader : "no response cache to grade through";
    for (const i of waiting) results[i] = { scorer: "mm-vet-grader", method: null, grader_reasks: null, prediction: null, correct: null, score: null, explanation: `not graded: ${why}` };
    return;
  }
  const cache = new ResponseCache(options.cacheDir);
  let grades: Awaited<ReturnType<typeof gradeMmVet>>;
  try {
    grades = await gradeMmVet(
      waiting.map((i) => {
        const sample = sampleOf(responses[i]!);
        return { sampleId: sample.sampleId, question: sample.prompt, reference: referenceOf(sample).answer, answer: String(responses[i]!.answer ?? "") };
      }),
      grader,
      cache,
      options.timeoutMs,
    );
  } finally {
    cache.close();
  }
  grades.forEach((grade, k) => {
    results[waiting[k]!] = mmVetScored(grade);
  });
}

/** A grade as a scores row: upstream's score, its 0.0 after five unreadable replies, or unscored with why. */
export function mmVetScored(grade: MmVetGraded): Scored {
  const base = { scorer: grade.grader, grader_reasks: grade.reasks, prediction: null, correct: null };
  switch (grade.outcome) {
    case "failed":
      return { ...base, method: null, score: null, explanation: `grading failed: ${grade.error}` };
    case "zero":
      return { ...base, method: "zero-after-reasks", score: 0, explanation: `0.0 by upstream's rule: no score in [0, 1] in the grader's ${grade.replies.length} replies ${truncate(JSON.stringify(grade.replies), 400)}` };
    case "graded":
      // Upstream accepts "nan" (its range check lets NaN through) and its mean becomes NaN; a row has no NaN score.
      if (Number.isNaN(grade.score)) return { ...base, method: "first-token", score: null, explanation: `the grader replied ${truncate(JSON.stringify(grade.reply), 100)}, read as NaN (upstream's mean would be NaN)` };
      return { ...base, method: "first-token", score: grade.score, explanation: null };
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The experiment's MM-Vet grader as an endpoint, or why there is none. */
function graderOf(experiment: Experiment, options: ScoreRunOptions): MmVetJudge | string {
  const ref = experiment.spec.grader;
  if (!ref) return experiment.unconfiguredJudges["mm-vet grader"] ?? `${experiment.file} names no grader (set grader: {model, base_url} for MM-Vet)`;
  if (!ref.model) return `${experiment.file}: grader.model is missing`;
  const env = options.env ?? process.env;
  const apiKey = readApiKey(env, ref.api_key_env);
  if (ref.api_key_env && !apiKey) return `the environment variable ${ref.api_key_env} (grader.api_key_env) is not set`;
  const baseUrl = ref.simulated ? options.simulatorUrl : ref.base_url?.replace(/\/+$/, "");
  if (!baseUrl) return ref.simulated ? "the grader is simulated but no simulator is running" : `${experiment.file}: the grader needs base_url, base_url_env or simulated`;
  return {
    endpoint: { id: "grader:mm-vet", baseUrls: [baseUrl], ...(apiKey && { apiKey }), concurrency: experiment.spec.concurrency, stream: false, maxResponseBytes: experiment.limits.maxResponseBytes },
    model: ref.model,
    endpointIdentity: ref.simulated ? simulatorEndpoint(experiment.simulator ?? DEFAULT_SIMULATOR_CONFIG) : endpointIdentity([baseUrl]).join(" "),
  };
}

/**
 * `scoreRun` for a folder whose samples are not at hand (after `thinksafe merge`): loads the
 * experiment's capability benchmarks only, for their reference answers.
 */
export async function scoreRunFromData(runDir: string, experiment: Experiment, data: DataContext | undefined, options: ScoreRunOptions = {}): Promise<ScoreRunSummary> {
  const benchmarks = experiment.spec.benchmarks.filter((b) => isScored(b.id));
  const samples = await loadSamples({ ...experiment, spec: { ...experiment.spec, benchmarks } }, data);
  return scoreRun(runDir, experiment, samples, options);
}

/** Records scores.parquet in the manifest's outputs, or takes it out when no file was written. */
async function recordInManifest(runDir: string, file: string, rows: number): Promise<void> {
  const manifestFile = join(runDir, "manifest.json");
  if (!existsSync(manifestFile)) return;
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { outputs?: Record<string, unknown> };
  const { "scores.parquet": _stale, ...others } = manifest.outputs ?? {};
  manifest.outputs = rows === 0 ? others : { ...others, "scores.parquet": { rows, sha256: sha256File(file) } };
  await atomically(manifestFile, (temporary) => writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`));
}
