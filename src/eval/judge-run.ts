// Judging a run: every response's answer, and its thinking when it has some, by each judge the
// experiment names, into RUN_DIR/judgments.parquet. Responses whose request failed have nothing to
// judge and get no rows; a verdict a judge could not reach is `unparsed` or `error`, never "safe".
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataError, SpecError } from "../errors.ts";
import { endpointIdentity, simulatorEndpoint, type Experiment } from "../experiments/load.ts";
import type { JudgeRef } from "../experiments/spec.ts";
import { refusalKeywords } from "../judges/index.ts";
import { createLlamaGuardJudge } from "../judges/llama-guard.ts";
import { createLlmJudge } from "../judges/llm-judge.ts";
import { calibrationDatabase, calibrationProvenance, calibrationQuery, readHumanSets, type HumanSet, type LoadedHumanSet } from "../judges/calibrate.ts";
import { ResponseCache } from "../runner/cache.ts";
import { DEFAULT_SIMULATOR_CONFIG, startSimulator } from "../simulator/index.ts";
import { JUDGMENTS_SCHEMA, type JudgeTarget } from "../judges/judgments.ts";
import { gitRevision, packageVersion, sha256File } from "../provenance.ts";
import { Database, type Cell } from "../stats/database.ts";
import { atomically } from "./run-experiment.ts";
import { responseIdentity } from "./responses.ts";
import { isScored } from "./scores.ts";

/** One text to judge, with what the judge may need to know about its response. */
export interface JudgedText {
  response: Record<string, unknown>;
  target: JudgeTarget;
  text: string;
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
  /** Judges thinking with a rubric written for thinking (judgments.has_target_rubric); otherwise its thinking verdicts are not used. */
  thinkingRubric?: boolean;
  judge(texts: readonly JudgedText[]): Promise<JudgeVerdict[]>;
}

/** The judges that need nothing but the text. Endpoint judges join this registry when configured. */
const LOCAL_JUDGES: Record<string, RunJudge> = {
  [refusalKeywords.id]: {
    id: refusalKeywords.id,
    version: refusalKeywords.version,
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
}

export async function judgeRun(runDir: string, experiment: Experiment, options: JudgeRunOptions): Promise<JudgeRunSummary> {
  const responsesFile = join(runDir, "responses.parquet");
  if (!existsSync(responsesFile)) {
    throw new DataError({ file: responsesFile }, "no responses to judge", "run thinksafe eval with --out on this folder first");
  }
  // Read first: a missing or malformed set stops the run before any judge is asked.
  const humanSets = options.calibrate === false ? undefined : await readHumanSets(options.humanSets);
  const needsSimulator = !options.simulatorUrl && experiment.spec.judges.some((j) => j.simulated);
  const simulator = needsSimulator ? await startSimulator(experiment.simulator ?? DEFAULT_SIMULATOR_CONFIG, { port: 0 }) : undefined;
  const cache = new ResponseCache(options.cacheDir);
  try {
    const simulatorUrl = options.simulatorUrl ?? simulator?.url;
    const judges = experiment.spec.judges.map((ref, i) => runJudge(ref, i, experiment, { ...options, cache, ...(simulatorUrl && { simulatorUrl }) }));
    const summary = await judgeAll(runDir, responsesFile, experiment, judges);
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
  const local = LOCAL_JUDGES[ref.id];
  const known = [...Object.keys(LOCAL_JUDGES), ...Object.keys(ENDPOINT_JUDGES)].join(", ");
  if (local) {
    if (ref.model || ref.base_url || ref.simulated) throw new SpecError(experiment.file, at(""), `${ref.id} runs locally and takes no model or endpoint`, "remove model, base_url and simulated");
    return local;
  }
  const create = ENDPOINT_JUDGES[ref.id as keyof typeof ENDPOINT_JUDGES];
  if (!create) throw new SpecError(experiment.file, at("id"), `unknown judge "${ref.id}"`, `known judges: ${known}`);
  if (!ref.model) throw new SpecError(experiment.file, at("model"), "is missing", `${ref.id} needs the judge model's name`);
  if ((ref.base_url === undefined) === (ref.simulated === undefined)) {
    throw new SpecError(experiment.file, at(""), "needs exactly one of base_url or simulated", "base_url: http://host:port/v1, or simulated: true");
  }
  const env = context.env ?? process.env;
  const apiKey = ref.api_key_env ? env[ref.api_key_env] : undefined;
  if (ref.api_key_env && !apiKey) throw new SpecError(experiment.file, at("api_key_env"), `the environment variable ${ref.api_key_env} is not set`);
  const baseUrl = ref.simulated ? context.simulatorUrl! : ref.base_url!.replace(/\/+$/, "");
  const judge = create({
    endpoint: { id: `judge:${ref.id}`, baseUrls: [baseUrl], ...(apiKey && { apiKey }), concurrency: experiment.spec.concurrency, stream: false },
    model: ref.model,
    endpointIdentity: ref.simulated ? simulatorEndpoint(experiment.simulator ?? DEFAULT_SIMULATOR_CONFIG) : endpointIdentity([baseUrl]).join(" "),
  });
  return {
    id: judge.id,
    version: judge.version,
    judge: (texts) =>
      judge.judgeAll(
        texts.map(({ response: r, target, text }) => ({
          benchmarkId: String(r.benchmark_id),
          sampleId: String(r.sample_id),
          prompt: String(r.prompt ?? ""),
          category: (r.category as string | null) ?? null,
          ...(typeof r.image_description === "string" && { imageDescription: r.image_description }),
          text,
          target,
        })),
        { cache: context.cache, ...(context.timeoutMs && { timeoutMs: context.timeoutMs }) },
      ),
  };
}

async function judgeAll(runDir: string, responsesFile: string, experiment: Experiment, judges: RunJudge[]): Promise<JudgeRunSummary> {
  const db = await Database.open();
  try {
    // Capability answers are scored (scores.ts), not judged for safety.
    const responses = (
      await db.rows(
        `SELECT * FROM read_parquet('${responsesFile.replaceAll("'", "''")}') WHERE error IS NULL ORDER BY model_id, benchmark_id, subset, sample_id, repeat`,
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
      const verdicts = await judge.judge(texts);
      const tally = (byJudge[judge.id] = { judged: 0, unsafe: 0, unresolved: 0 });
      texts.forEach(({ response: r, target }, i) => {
        const v = verdicts[i]!;
        tally.judged++;
        if (v.unsafe === true) tally.unsafe++;
        if (v.unsafe === null) tally.unresolved++;
        const values: Record<keyof typeof JUDGMENTS_SCHEMA, Cell> = {
          ...responseIdentity(r),
          judge_id: judge.id,
          judge_version: judge.version,
          target,
          has_target_rubric: target === "answer" || judge.thinkingRubric === true,
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
        "thinksafe.judges": judges.map((j) => `${j.id}@${j.version}`).join(","),
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
