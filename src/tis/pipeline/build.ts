// `thinksafe tis build SPEC.yaml --out DIR`: the TiS construction pipeline. Stages, each writing
// its table atomically into DIR as soon as it is done:
//   spec.parquet      the safety specification
//   captions.parquet  a caption per item (from the captioner, or given by the input)
//   answers.parquet   the teacher's `<think>…</think>answer` per item
//   filtered.parquet  every input item, kept or dropped with the reason (dedup, tags, thinking
//                     length, refusal consistency checked by the judge)
//   tis.json          the kept items in the TiS release format, images copied to DIR/images/
//   manifest.json     provenance and counts
// Every endpoint request goes through the runner and its content-addressed cache, and is stored the
// moment it arrives: a build killed midway asks, when rerun, only what was not answered yet.
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DataContext } from "../../benchmarks/sample.ts";
import type { JudgeInput } from "../../judges/run-judge.ts";
import { writeAtomically } from "../../atomic-write.ts";
import { installedVersion, packageVersion, sha256 } from "../../provenance.ts";
import { ResponseCache } from "../../runner/cache.ts";
import type { Progress } from "../../runner/progress.ts";
import type { Result } from "../../runner/run.ts";
import { startSimulator } from "../../simulator/index.ts";
import type { Cell, Schema } from "../../duckdb/database.ts";
import {
  checkRefusalConsistency,
  checkThinkingLength,
  DROP_REASONS,
  findDuplicates,
  parseThinkAnswer,
  refusalPhrase,
  teacherText,
  wordCount,
  type Drop,
  type DropReason,
} from "./filters.ts";
import { createHarmJudge } from "./harm-judge.ts";
import { loadBuildItems, type BuildItem } from "./inputs.ts";
import type { StageEndpoint, TisBuild } from "./load.ts";
import { copyImages, provenanceOf, row, tisRecord, writeTable } from "./outputs.ts";
import { loadPrompts, type BuildPrompts } from "./prompts.ts";
import { captionRequest, connect, runStage, teacherRequest, type RunOptions, type Stage, type StageCounts } from "./requests.ts";
import { specificationText, specRows, SPEC_SCHEMA } from "./safety-spec.ts";
import { ANSWERS_SCHEMA, CAPTIONS_SCHEMA, FILTERED_SCHEMA, type TisRecord } from "./tables.ts";

export type { StageCounts } from "./requests.ts";

export interface TisBuildOptions {
  outDir: string;
  cacheDir: string;
  /** Where the training sets live; default: the spec's data_dir. */
  data?: DataContext;
  env?: NodeJS.ProcessEnv;
  /** Where progress lines are drawn (a terminal redraws one line; elsewhere only summaries). */
  progress?: ConstructorParameters<typeof Progress>[1];
  log?: (line: string) => void;
  /** Prompt templates folder (default: the shipped prompts/). */
  promptsDir?: string;
}

export interface TisBuildSummary {
  items: number;
  kept: number;
  dropped: Partial<Record<DropReason, number>>;
  captions: StageCounts;
  answers: StageCounts;
  judgments: StageCounts;
  /** Requests that failed after their retries; rerun to ask them again. */
  errors: number;
  files: { spec: string; captions: string; answers: string; filtered: string; tis: string; manifest: string };
}

export async function buildTis(build: TisBuild, options: TisBuildOptions): Promise<TisBuildSummary> {
  if (!build.simulator) return run(build, null, options);
  // Simulated endpoints are served by a simulator started for this build, on a free local port.
  const simulator = await startSimulator(build.simulator, { port: 0 });
  try {
    return await run(build, simulator.url, options);
  } finally {
    await simulator.close();
  }
}

/** A caption as later stages see it: text null when the captioner's request failed or its reply was empty. */
interface Caption {
  text: string | null;
  simulated: boolean | null;
  error: string | null;
}

interface Answer {
  text: string | null;
  finishReason: string | null;
  simulated: boolean | null;
  error: string | null;
}

/** What the checks before the judge found, and the parsed thinking and answer when the tags were well-formed. */
interface EarlyCheck {
  drop: Drop | null;
  thinking: string | null;
  answer: string | null;
}

async function run(build: TisBuild, simulatorUrl: string | null, options: TisBuildOptions): Promise<TisBuildSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = options.env ?? process.env;
  const startedAt = new Date();
  const prompts = loadPrompts(options.promptsDir);
  const items = await loadBuildItems(build, options.data ?? { dataDir: build.dataDir });
  const connectStage = (endpoint: StageEndpoint | null) => (endpoint ? connect(build, endpoint, simulatorUrl, env) : null);
  const [captioner, teacher, judgeStage] = await Promise.all([connectStage(build.captioner), connectStage(build.teacher), connectStage(build.judge.endpoint)]);
  const provenance = provenanceOf(build, prompts);
  const out = resolve(options.outDir);
  await mkdir(out, { recursive: true });
  const files = {
    spec: join(out, "spec.parquet"),
    captions: join(out, "captions.parquet"),
    answers: join(out, "answers.parquet"),
    filtered: join(out, "filtered.parquet"),
    tis: join(out, "tis.json"),
    manifest: join(out, "manifest.json"),
  };
  const write = (file: string, stage: string, schema: Schema, rows: Cell[][]) => writeTable(file, schema, rows, { ...provenance, "thinksafe.tis_stage": stage });

  // (a) The safety specification.
  await write(files.spec, "spec", SPEC_SCHEMA, specRows(build.safetySpec));
  log(`[tis] ${items.length.toLocaleString("en-US")} items; safety specification ${build.safetySpec.content.id} v${build.safetySpec.content.version}`);

  // Duplicates are dropped before anything is asked about them.
  const dedup = build.spec.filters.dedup;
  const duplicateOf = dedup.enabled
    ? findDuplicates(items.map((item) => ({ question: item.question, imageSha256: item.images.map((i) => i.sha256) })), dedup.by)
    : items.map(() => null);
  const unique = items.filter((_, i) => duplicateOf[i] === null);

  const cache = new ResponseCache(options.cacheDir);
  try {
    const runOptions: RunOptions = { cache, timeoutMs: build.spec.timeout_s * 1000, maxAttempts: build.spec.max_attempts, log, ...(options.progress && { progress: options.progress }) };

    // (b) Captions, then (c) the teacher's answers for items whose caption arrived.
    const { captions, rows: captionRows, counts: captionCounts } = await captionStage(unique, captioner, build, prompts, runOptions);
    await write(files.captions, "captions", CAPTIONS_SCHEMA, captionRows);
    const { answers, rows: answerRows, counts: answerCounts } = await teacherStage(unique, captions, teacher!, build, prompts, runOptions);
    await write(files.answers, "answers", ANSWERS_SCHEMA, answerRows);

    // (d) Filters: the checks that need no judge, then the judge on what is left of the harmful items.
    const early = new Map(unique.map((item) => [item.itemId, earlyChecks(captions.get(item.itemId)!, answers.get(item.itemId), build.spec.filters.thinking_words)]));
    const toJudge = unique.filter((item) => item.check === "harmful" && early.get(item.itemId)!.drop === null);
    const judge = createHarmJudge(build, judgeStage);
    const judged = await judge.judge(
      toJudge.map((item) => harmJudgeInput(item, captions.get(item.itemId)!.text!, early.get(item.itemId)!.answer!)),
      runOptions,
    );
    const verdicts = new Map(toJudge.map((item, i) => [item.itemId, judged.verdicts[i]!]));

    const dropped: Partial<Record<DropReason, number>> = {};
    const records: { record: TisRecord; item: BuildItem }[] = [];
    const filteredRows = items.map((item, position): Cell[] => {
      const duplicate = duplicateOf[position] ?? null;
      const checks = early.get(item.itemId);
      const verdict = verdicts.get(item.itemId) ?? null;
      const refusal = checks?.answer ? refusalPhrase(checks.answer) : null;
      const drop: Drop | null =
        duplicate !== null
          ? { reason: "duplicate", detail: `same ${dedup.by.join(" and ")} as ${items[duplicate]!.itemId}` }
          : (checks!.drop ?? checkRefusalConsistency(item.check, verdict && { judge: judge.id, unsafe: verdict.unsafe, explanation: verdict.explanation }, refusal));
      if (drop) dropped[drop.reason] = (dropped[drop.reason] ?? 0) + 1;
      else records.push({ item, record: tisRecord(item, checks!.thinking!, checks!.answer!) });
      const simulated = [captions.get(item.itemId)?.simulated, answers.get(item.itemId)?.simulated].filter((s): s is boolean => typeof s === "boolean");
      return row(FILTERED_SCHEMA, {
        position,
        item_id: item.itemId,
        source: item.source,
        source_id: item.sourceId,
        question: item.question,
        label: item.label,
        refusal_check: item.check,
        source_category: item.sourceCategory,
        harm_category: item.harmCategory,
        images: item.images.map((image) => image.path),
        image_sha256: item.images.map((image) => image.sha256),
        caption: captions.get(item.itemId)?.text ?? null,
        thinking: checks?.thinking ?? null,
        answer: checks?.answer ?? null,
        thinking_words: checks?.thinking ? wordCount(checks.thinking) : null,
        answer_words: checks?.answer ? wordCount(checks.answer) : null,
        judge_id: verdict ? judge.id : null,
        judge_version: verdict ? judge.version : null,
        judge_verdict: verdict?.verdict ?? null,
        judge_explanation: verdict?.explanation ?? null,
        refusal_phrase: refusal,
        duplicate_of: duplicate === null ? null : items[duplicate]!.itemId,
        kept: drop === null,
        drop_reason: drop?.reason ?? null,
        drop_detail: drop?.detail ?? null,
        is_simulated: simulated.length ? simulated.some(Boolean) : null,
      });
    });
    await write(files.filtered, "filtered", FILTERED_SCHEMA, filteredRows);

    await copyImages(out, records.map((r) => r.item));
    await writeAtomically(files.tis, `${JSON.stringify(records.map((r) => r.record), null, 4)}\n`);

    const summary: TisBuildSummary = {
      items: items.length,
      kept: records.length,
      dropped,
      captions: captionCounts,
      answers: answerCounts,
      judgments: judged.counts,
      errors: captionCounts.errors + answerCounts.errors + judged.counts.errors,
      files,
    };
    const manifest = {
      build: { id: build.id, hash: build.hash, file: resolve(build.file) },
      safety_spec: { file: resolve(build.safetySpec.file), id: build.safetySpec.content.id, version: build.safetySpec.content.version, sha256: build.safetySpec.sha256 },
      prompts_sha256: prompts.sha256,
      cache_dir: resolve(options.cacheDir),
      git_revision: provenance["thinksafe.git_revision"],
      versions: { thinksafe: packageVersion(), node: process.version, openai: installedVersion("openai"), "@duckdb/node-api": installedVersion("@duckdb/node-api") },
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      // Endpoints as recorded: URLs without credentials, the NAME of the key's variable, never a key.
      endpoints: [captioner, teacher, judgeStage].flatMap((s) =>
        s ? [{ role: s.endpoint.role, model: s.endpoint.model, endpoint: s.endpoint.identity, simulated: s.endpoint.simulated, api_key_env: s.endpoint.apiKeyEnv }] : [],
      ),
      captioner: captioner ? "endpoint" : "given",
      judge: { id: judge.id, version: judge.version },
      filters: build.spec.filters,
      counts: {
        items: summary.items,
        kept: summary.kept,
        dropped: Object.fromEntries(DROP_REASONS.map((reason) => [reason, dropped[reason] ?? 0])),
        captions: summary.captions,
        answers: summary.answers,
        judgments: summary.judgments,
        errors: summary.errors,
      },
      outputs: Object.fromEntries(
        await Promise.all([files.spec, files.captions, files.answers, files.filtered, files.tis].map(async (file) => [file.slice(out.length + 1), { sha256: sha256(await readFile(file)) }])),
      ),
    };
    await writeAtomically(files.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    return summary;
  } finally {
    cache.close();
  }
}

/** Each unique item's caption: asked of the captioner (items with the same images share one request), or the input's own. */
async function captionStage(items: readonly BuildItem[], captioner: Stage | null, build: TisBuild, prompts: BuildPrompts, options: RunOptions) {
  const work = captioner ? items.map((item) => captionRequest(item, captioner.endpoint, prompts, build.spec.image_max_side)) : [];
  const stage = captioner ? await runStage("tis caption", work, captioner.runner, options) : null;
  const captions = new Map<string, Caption>();
  const rows = items.map((item, i): Cell[] => {
    const result = stage?.results[i];
    const text = !captioner ? item.givenCaption : result?.ok ? result.response.content?.trim() || null : null;
    const error = text !== null ? null : result && !result.ok ? `the captioner's request failed: ${result.errorKind}: ${result.error} (rerun to retry)` : "the captioner's reply was empty";
    captions.set(item.itemId, { text, simulated: result?.ok ? result.response.simulated : null, error });
    return row(CAPTIONS_SCHEMA, {
      item_id: item.itemId,
      images: item.images.map((image) => image.path),
      image_sha256: item.images.map((image) => image.sha256),
      caption_source: captioner ? "captioner" : "given",
      model: captioner?.endpoint.model ?? null,
      endpoint: captioner?.endpoint.identity ?? null,
      caption: text,
      ...responseCells(result, work[i]?.key ?? null),
    });
  });
  return { captions, rows, counts: stage?.counts ?? { requests: 0, fromCache: 0, errors: 0 } };
}

/** The teacher's reply for every item with a caption. */
async function teacherStage(
  items: readonly BuildItem[],
  captions: ReadonlyMap<string, Caption>,
  teacher: Stage,
  build: TisBuild,
  prompts: BuildPrompts,
  options: RunOptions,
) {
  const specification = specificationText(build.safetySpec);
  const captioned = items.filter((item) => captions.get(item.itemId)!.text !== null);
  const work = captioned.map((item) => teacherRequest(item, captions.get(item.itemId)!.text!, teacher.endpoint, prompts, specification, build));
  const { results, counts } = await runStage("tis teacher", work, teacher.runner, options);
  const answers = new Map<string, Answer>();
  const rows = captioned.map((item, i): Cell[] => {
    const result = results[i]!;
    const text = result.ok ? teacherText(result.response) : null;
    answers.set(item.itemId, {
      text,
      finishReason: result.ok ? result.response.finish_reason : null,
      simulated: result.ok ? result.response.simulated : null,
      error: result.ok ? null : `${result.errorKind}: ${result.error}`,
    });
    return row(ANSWERS_SCHEMA, {
      item_id: item.itemId,
      model: teacher.endpoint.model,
      endpoint: teacher.endpoint.identity,
      prompt_sha256: work[i]!.promptSha256,
      text,
      ...responseCells(result, work[i]!.key),
    });
  });
  return { answers, rows, counts };
}

/** Caption and teacher failures, truncation, tags and thinking length: every check before the judge. */
function earlyChecks(caption: Caption, answer: Answer | undefined, bounds: { min: number; max: number }): EarlyCheck {
  const none = { thinking: null, answer: null };
  if (caption.text === null || !answer) return { drop: { reason: "caption_error", detail: caption.error ?? "no caption" }, ...none };
  if (answer.text === null) return { drop: { reason: "teacher_error", detail: `the teacher's request failed: ${answer.error} (rerun to retry)` }, ...none };
  const parsed = parseThinkAnswer(answer.text);
  const split = parsed.ok ? { thinking: parsed.thinking, answer: parsed.answer } : none;
  if (answer.finishReason === "length") return { drop: { reason: "truncated", detail: "the teacher hit max_tokens (finish_reason length)" }, ...split };
  if (!parsed.ok) return { drop: { reason: "malformed_tags", detail: parsed.problem }, ...none };
  return { drop: checkThinkingLength(parsed.thinking, bounds), ...split };
}

/** What the judge sees: the request, the image's caption (labelled as a captioner's), and the answer. */
export function harmJudgeInput(item: BuildItem, caption: string, answer: string): JudgeInput {
  return {
    benchmarkId: item.source === "file" ? "tis-build" : item.source,
    sampleId: item.itemId,
    prompt: item.question,
    category: item.harmCategory ?? item.sourceCategory,
    context: { request: item.question, caption },
    text: answer,
    target: "answer",
  };
}

function responseCells(result: Result | undefined, key: string | null) {
  const answered = result?.ok ? result.response : null;
  return {
    finish_reason: answered?.finish_reason ?? null,
    error: result && !result.ok ? `${result.error} (after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"})` : null,
    error_kind: result && !result.ok ? result.errorKind : null,
    prompt_tokens: answered?.prompt_tokens ?? null,
    completion_tokens: answered?.completion_tokens ?? null,
    is_simulated: answered ? answered.simulated : null,
    served_model: answered?.served_model ?? null,
    cache_key: key,
  };
}
