// Reading a TiS build spec: YAML → validated spec → resolved build (endpoints with their identities,
// the safety specification, the simulator when something is simulated). Every problem is a
// SpecError naming the file, the line, the field path and the fix.
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { canonicalJson } from "../../canonical.ts";
import { SpecError } from "../../errors.ts";
import { endpointIdentity, simulatorEndpoint } from "../../experiments/load.ts";
import type { Generation } from "../../experiments/spec.ts";
import { sha256 } from "../../provenance.ts";
import { DEFAULT_SIMULATOR_CONFIG, loadSimulatorConfig, type SimulatorConfig } from "../../simulator/index.ts";
import { loadSafetySpec, type SafetySpec } from "./safety-spec.ts";
import { TisBuildSpec, type InputSpec } from "./spec.ts";
import { parseYamlSpec, type LineOf } from "../../experiments/yaml-spec.ts";

export type StageRole = "captioner" | "teacher" | "judge";

/** An endpoint a stage sends to. */
export interface StageEndpoint {
  role: StageRole;
  model: string;
  /** Replicas; empty for a simulated endpoint until its simulator is started. */
  baseUrls: string[];
  simulated: boolean;
  /** As recorded and hashed into cache keys: URLs without secrets, or the simulator's config hash. */
  identity: string;
  apiKeyEnv: string | null;
  generation: Generation;
  extraBody: Record<string, unknown>;
  concurrency: number;
}

export interface ResolvedInput extends InputSpec {
  /** Prefix of the input's item ids. */
  label: string;
  /** A `file` input's path, absolute. */
  file: string | null;
}

export interface TisBuild {
  file: string;
  id: string;
  /** sha256 of the canonical validated spec (defaults applied; description and data_dir left out) and the safety specification's bytes. */
  hash: string;
  spec: TisBuildSpec;
  safetySpec: SafetySpec;
  inputs: ResolvedInput[];
  /** Null when the inputs carry their captions (`captioner: {given: true}`). */
  captioner: StageEndpoint | null;
  teacher: StageEndpoint;
  judge: { id: "refusal-keywords" | "llm-judge" | "llama-guard"; endpoint: StageEndpoint | null };
  simulator: SimulatorConfig | null;
  /** The spec's data_dir, resolved against the spec's folder; null when not set. */
  dataDir: string | null;
  /** Where the spec names each field, for errors found later (an unreachable endpoint). */
  lineOf: LineOf;
}

/** Sampling defaults; a stage's `generation` overrides them field by field. */
export const DEFAULT_GENERATION: Record<"captioner" | "teacher", Generation> = {
  captioner: { temperature: 0, max_tokens: 512 },
  teacher: { temperature: 0.6, max_tokens: 8192 },
};

export async function loadTisBuild(file: string): Promise<TisBuild> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError(file, "", code === "ENOENT" ? "file not found" : `cannot read (${code})`, "give the path of a TiS build spec YAML, such as experiments/tis-demo.yaml");
  }
  const parsed = parseTisBuild(text, file);
  const safetySpec = await loadSafetySpec(resolve(dirname(file), parsed.spec.safety_spec));
  const configFile = parsed.spec.simulator?.config;
  const simulator = configFile && parsed.simulator ? await loadSimulatorConfig(resolve(dirname(file), configFile)) : parsed.simulator;
  return finish(parsed, safetySpec, simulator);
}

type Parsed = Omit<TisBuild, "hash" | "safetySpec">;

/** Validates the spec's text; the safety specification and simulator config are read by loadTisBuild. */
export function parseTisBuild(text: string, file: string): Parsed {
  const { value: spec, lineOf } = parseYamlSpec(text, file, TisBuildSpec);
  const fail = (path: (string | number)[], problem: string, fix?: string): never => {
    throw new SpecError(file, path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${p}`)).join(""), problem, fix, lineOf(path));
  };

  const inputs = spec.inputs.map((input, i): ResolvedInput => {
    if (input.source === "file" && input.path === undefined) fail(["inputs", i], "a file input needs path", "path: items.jsonl (JSON array or JSONL, relative to this spec)");
    if (input.source !== "file" && input.path !== undefined) fail(["inputs", i, "path"], `${input.source} is read from data_dir, not from a path`, "remove path, or use source: file");
    const label = input.name ?? (input.path ? basename(input.path).replace(/\.(jsonl?|json)$/i, "").toLowerCase().replace(/[^a-z0-9._-]+/g, "-") : input.source);
    return { ...input, label, file: input.path ? resolve(dirname(file), input.path) : null };
  });
  inputs.forEach((input, i) => {
    if (inputs.findIndex((other) => other.label === input.label) !== i) {
      fail(["inputs", i], `two inputs would share the item id prefix "${input.label}"`, "give one of them a distinct name");
    }
  });

  const endpoint = (role: "captioner" | "teacher", raw: (typeof spec)["teacher"]): StageEndpoint => {
    const given = [raw.base_url, raw.base_urls, raw.simulated].filter((v) => v !== undefined).length;
    if (given !== 1) fail([role], "needs exactly one of base_url, base_urls or simulated", "base_url: http://host:port/v1, base_urls: [..] for replicas, or simulated: true");
    const baseUrls = (raw.base_urls ?? (raw.base_url ? [raw.base_url] : [])).map((u) => u.replace(/\/+$/, ""));
    return {
      role,
      model: raw.model,
      baseUrls,
      simulated: raw.simulated === true,
      identity: raw.simulated ? simulatorEndpoint(DEFAULT_SIMULATOR_CONFIG) : endpointIdentity(baseUrls).join(" "),
      apiKeyEnv: raw.api_key_env ?? null,
      generation: { ...DEFAULT_GENERATION[role], ...raw.generation },
      extraBody: raw.extra_body ?? {},
      concurrency: raw.concurrency ?? spec.concurrency,
    };
  };

  const { given, model, ...captionerEndpoint } = spec.captioner;
  let captioner: StageEndpoint | null = null;
  if (given) {
    const extra = Object.keys(spec.captioner).filter((key) => key !== "given");
    if (extra.length) fail(["captioner", extra[0]!], "given captions take no model or endpoint", "remove it, or remove given: true");
    const uncaptioned = inputs.findIndex((input) => input.source !== "file");
    if (uncaptioned >= 0) fail(["inputs", uncaptioned, "source"], `${inputs[uncaptioned]!.source} items carry no captions, and the captioner is given: true`, "name a captioning model, or use file inputs whose items have a caption");
  } else {
    if (model === undefined) fail(["captioner", "model"], "is missing", "add model: <the captioning model's name>, or given: true to use the inputs' captions");
    captioner = endpoint("captioner", { ...captionerEndpoint, model: model! });
  }
  const teacher = endpoint("teacher", spec.teacher);

  const judgeRef = spec.judge;
  let judgeEndpoint: StageEndpoint | null = null;
  if (judgeRef.id === "refusal-keywords") {
    const extra = (["model", "base_url", "api_key_env", "simulated"] as const).find((key) => judgeRef[key] !== undefined);
    if (extra) fail(["judge", extra], "refusal-keywords runs locally and takes no model or endpoint", "remove it");
  } else {
    if (judgeRef.model === undefined) fail(["judge", "model"], "is missing", `${judgeRef.id} needs the judge model's name`);
    if ((judgeRef.base_url === undefined) === (judgeRef.simulated === undefined)) {
      fail(["judge"], "needs exactly one of base_url or simulated", "base_url: http://host:port/v1, or simulated: true");
    }
    const baseUrls = judgeRef.base_url ? [judgeRef.base_url.replace(/\/+$/, "")] : [];
    judgeEndpoint = {
      role: "judge",
      model: judgeRef.model!,
      baseUrls,
      simulated: judgeRef.simulated === true,
      identity: judgeRef.simulated ? simulatorEndpoint(DEFAULT_SIMULATOR_CONFIG) : endpointIdentity(baseUrls).join(" "),
      apiKeyEnv: judgeRef.api_key_env ?? null,
      generation: {},
      extraBody: {},
      concurrency: spec.concurrency,
    };
  }

  const { min, max } = spec.filters.thinking_words;
  if (min > max) fail(["filters", "thinking_words", "max"], `is below min (${min})`, "make max at least min");
  const simulated = [captioner, teacher, judgeEndpoint].some((e) => e?.simulated);
  if (spec.simulator && !simulated) fail(["simulator"], "is set but nothing is simulated: true", "remove it, or mark the simulated endpoints");
  const dataDir = spec.data_dir === undefined ? null : resolve(dirname(file), spec.data_dir);
  return {
    file,
    id: spec.id,
    spec,
    inputs,
    captioner,
    teacher,
    judge: { id: judgeRef.id, endpoint: judgeEndpoint },
    simulator: simulated ? DEFAULT_SIMULATOR_CONFIG : null,
    dataDir,
    lineOf,
  };
}

/** Adds the safety specification and points simulated endpoints at `simulator` (its hash is their identity). */
export function finish(parsed: Parsed, safetySpec: SafetySpec, simulator: SimulatorConfig | null): TisBuild {
  const { description: _description, $schema: _schema, data_dir: _dataDir, ...identity } = parsed.spec;
  const simulatedIdentity = simulator ? simulatorEndpoint(simulator) : null;
  const point = (e: StageEndpoint | null) => (e?.simulated && simulatedIdentity ? { ...e, identity: simulatedIdentity } : e);
  return {
    ...parsed,
    hash: sha256(canonicalJson({ spec: identity, safety_spec_sha256: safetySpec.sha256 })),
    safetySpec,
    simulator,
    captioner: point(parsed.captioner),
    teacher: point(parsed.teacher)!,
    judge: { ...parsed.judge, endpoint: point(parsed.judge.endpoint) },
  };
}
