// Reading an experiment file: YAML → validated spec → resolved experiment. Every problem is a
// SpecError naming the file, the line, the field path and the fix.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { BENCHMARKS } from "../benchmarks/index.ts";
import { canonicalJson } from "../canonical.ts";
import { SpecError } from "../errors.ts";
import { DEFAULT_LIMITS, type Limits } from "../limits.ts";
import { sha256 } from "../provenance.ts";
import { displayUrl, KEY_IN_URL_FIX, urlSecretProblem } from "../secrets.ts";
import { DEFAULT_PROFILE_ID, getProfile, profileHash, type Profile } from "../models/index.ts";
import { DEFAULT_SIMULATOR_CONFIG, GENERATION_VERSION, loadSimulatorConfig, type SimulatorConfig } from "../simulator/index.ts";
import { applyFineTunes, lookUpFineTunes, type FineTuneLookup } from "./finetune-refs.ts";
import { applyLocalOverride, localOverridePath, readLocalOverride, type LocalOverride } from "./local.ts";
import { ExperimentSpec, type Generation } from "./spec.ts";
import { formatPath, parseYamlSpec, type LineOf } from "./yaml-spec.ts";

export interface ResolvedModel {
  id: string;
  model: string;
  /** Replicas of one endpoint; empty for a simulated model until its simulator is started. */
  baseUrls: string[];
  /** Served by the built-in simulator. */
  simulated: boolean;
  /** The endpoint as recorded and hashed into cache keys: URLs without secrets, or the simulator and its config. */
  endpoint: string;
  apiKeyEnv: string | null;
  base: string | null;
  /** How the model is prompted and its output read (src/models/profiles/). */
  profile: Profile;
  /** The model's, else the experiment's, else the profile's. */
  systemPrompt: string | null;
  /** Field by field: the model's, the experiment's as written, the profile's, then the experiment's defaults. */
  generation: Generation;
  /** A dialogue profile's settings per turn (its turn settings under the experiment's and the model's); null otherwise. */
  turnGenerations: Generation[] | null;
  extraBody: Record<string, unknown>;
  concurrency: number;
  stream: boolean;
  mode: "online" | "batch";
  /** Why the model cannot be asked on this machine (its base_url_env is unset); null when it can. */
  unconfigured: string | null;
}

export interface Experiment {
  file: string;
  id: string;
  /** sha256 of the canonical validated spec (defaults applied; description and data_dir left out). */
  hash: string;
  spec: ExperimentSpec;
  models: ResolvedModel[];
  /** The simulator config, when some model is simulated. */
  simulator: SimulatorConfig | null;
  /** The spec's data_dir, resolved against the experiment file's folder; null when not set. */
  dataDir: string | null;
  /** Judges (and MM-Vet's grader, as "mm-vet grader") left out because their base_url_env is unset, with why. */
  unconfiguredJudges: Record<string, string>;
  /** The local override file applied (see local.ts), if there was one. */
  localFile: string | null;
  /** What one answer or image may cost (the spec's limits over the defaults). */
  limits: Limits;
  /** The line of a field in the file, for errors found after loading (e.g. an endpoint judge's settings). */
  lineOf?: LineOf;
}

export interface LoadOptions {
  /** Where base_url_env variables are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function loadExperiment(file: string, options: LoadOptions = {}): Promise<Experiment> {
  const experiment = await readExperimentFile(file, options);
  const configFile = experiment.spec.simulator?.config;
  if (!configFile || !experiment.simulator) return experiment;
  // The config's content, not its path, identifies the simulated endpoint.
  return withSimulator(experiment, await loadSimulatorConfig(resolve(dirname(file), configFile)));
}

/** Points the experiment's simulated models at `config` (its hash becomes their endpoint identity). */
export function withSimulator(experiment: Experiment, config: SimulatorConfig): Experiment {
  const endpoint = simulatorEndpoint(config);
  return {
    ...experiment,
    simulator: config,
    models: experiment.models.map((m) => (m.simulated ? { ...m, endpoint } : m)),
  };
}

export function simulatorEndpoint(config: SimulatorConfig): string {
  return `thinksafe-simulator:v${GENERATION_VERSION}:${sha256(canonicalJson(config)).slice(0, 16)}`;
}

async function readExperimentFile(file: string, options: LoadOptions): Promise<Experiment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError(file, "", code === "ENOENT" ? "file not found" : `cannot read (${code})`, "give the path of an experiment YAML file");
  }
  const env = options.env ?? process.env;
  return parseExperiment(text, file, { ...options, local: await readLocalOverride(file), finetunes: await lookUpFineTunes(text, file, env) });
}

export interface ParseOptions extends LoadOptions {
  /** The machine's local override of endpoints and data (local.ts), applied after validation. */
  local?: LocalOverride | null;
  /** The records that models' `finetune:` names found (finetune-refs.ts). */
  finetunes?: Record<string, FineTuneLookup>;
}

export function parseExperiment(text: string, file: string, options: ParseOptions = {}): Experiment {
  const env = options.env ?? process.env;
  const { value: declared, lineOf, raw } = parseYamlSpec(text, file, ExperimentSpec);
  // Generation fields the file gives (they override profiles), apart from the schema's defaults (which do not).
  const written = (raw as { generation?: Record<string, unknown> } | null)?.generation;
  // Identity is what the file declares; endpoints this machine adds are recorded per row instead.
  const overridden = options.local ? applyLocalOverride(declared, options.local, file) : declared;
  const spec = applyFineTunes(overridden, options.finetunes ?? {}, file, lineOf);
  spec.models.forEach((model, i) => {
    if (spec.models.findIndex((m) => m.id === model.id) !== i) {
      throw new SpecError(file, `models[${i}].id`, `duplicate model id "${model.id}"`, "every model needs its own id", lineOf(["models", i, "id"]));
    }
  });
  const models = spec.models.map((model, i): ResolvedModel => {
    const at = (field: string) => [`models`, i, field];
    if ([model.base_url, model.base_urls, model.base_url_env, model.simulated].filter((v) => v !== undefined).length !== 1) {
      throw new SpecError(file, `models[${i}]`, "needs exactly one of base_url, base_urls, base_url_env or simulated", "base_url: http://host:port/v1, base_urls: [..] for replicas, base_url_env: VAR_NAME, or simulated: true", lineOf(["models", i]));
    }
    if (model.model === undefined) {
      throw new SpecError(file, `models[${i}].model`, "is missing", "add model: <the name sent to the endpoint>, or finetune: <a fine-tuning record>", lineOf(["models", i]));
    }
    const fromEnv = model.base_url_env === undefined ? null : urlsFromEnv(model.base_url_env, env, file, `models[${i}].base_url_env`);
    const unconfigured = fromEnv?.length === 0 ? notConfigured(model.base_url_env!, file) : null;
    const baseUrls = (model.base_urls ?? (model.base_url ? [model.base_url] : fromEnv ?? [])).map((u) => u.replace(/\/+$/, ""));
    if (model.mode === "batch" && baseUrls.length > 1) {
      throw new SpecError(file, `models[${i}].mode`, "batch mode sends to one endpoint, not to replicas", "use base_url, or mode: online", lineOf(at("mode")));
    }
    if (model.base !== undefined && (model.base === model.id || !spec.models.some((m) => m.id === model.base))) {
      throw new SpecError(file, `models[${i}].base`, `"${model.base}" is not another model of this experiment`, `known ids: ${spec.models.map((m) => m.id).join(", ")}`, lineOf(at("base")));
    }
    const profile = getProfile(model.profile ?? DEFAULT_PROFILE_ID);
    const givenGeneration = written ? pick(spec.generation, Object.keys(written)) : {};
    const defaults = written ? {} : spec.generation;
    const settings = (turn: Generation = {}): Generation => ({ ...defaults, ...profile.generation, ...turn, ...givenGeneration, ...model.generation });
    return {
      id: model.id,
      model: model.model,
      baseUrls,
      simulated: model.simulated === true,
      endpoint: model.simulated ? simulatorEndpoint(DEFAULT_SIMULATOR_CONFIG) : unconfigured ? "unconfigured" : endpointIdentity(baseUrls).join(" "),
      apiKeyEnv: model.api_key_env ?? null,
      base: model.base ?? null,
      profile,
      systemPrompt: model.system_prompt ?? spec.system_prompt ?? profile.system_prompt ?? null,
      generation: settings(),
      turnGenerations: profile.exchange.kind === "dialogue" ? profile.exchange.turns.map((turn) => settings(turn.generation)) : null,
      extraBody: model.extra_body ?? {},
      concurrency: model.concurrency ?? spec.concurrency,
      stream: model.stream ?? false,
      mode: model.mode ?? "online",
      unconfigured,
    };
  });
  // Endpoint judges whose URL comes from the environment: resolved here, or left out with why.
  const unconfiguredJudges: Record<string, string> = {};
  const judges = spec.judges.flatMap((judge, i) => {
    if (judge.base_url_env === undefined) return [judge];
    if (judge.base_url !== undefined || judge.simulated) {
      throw new SpecError(file, `judges[${i}]`, "needs exactly one of base_url, base_url_env or simulated", undefined, lineOf(["judges", i]));
    }
    const [url, ...more] = urlsFromEnv(judge.base_url_env, env, file, `judges[${i}].base_url_env`);
    if (more.length) throw new SpecError(file, `judges[${i}].base_url_env`, `${judge.base_url_env} names ${more.length + 1} URLs; a judge takes one`);
    if (url === undefined) {
      unconfiguredJudges[judge.id] = notConfigured(judge.base_url_env, file);
      return [];
    }
    const { base_url_env: _name, ...resolved } = judge;
    return [{ ...resolved, base_url: url }];
  });
  // MM-Vet's grader, resolved the same way; an unconfigured one is listed with the judges.
  let grader = spec.grader;
  if (grader?.base_url_env !== undefined) {
    if (grader.base_url !== undefined || grader.simulated) throw new SpecError(file, "grader", "needs exactly one of base_url, base_url_env or simulated", undefined, lineOf(["grader"]));
    const [url, ...more] = urlsFromEnv(grader.base_url_env, env, file, "grader.base_url_env");
    if (more.length) throw new SpecError(file, "grader.base_url_env", `${grader.base_url_env} names ${more.length + 1} URLs; the grader takes one`);
    if (url === undefined) unconfiguredJudges["mm-vet grader"] = `not configured: set ${grader.base_url_env} to the grader's URL (e.g. https://api.openai.com/v1)`;
    const { base_url_env: _name, ...resolved } = grader;
    grader = url === undefined ? undefined : { ...resolved, base_url: url };
  }
  spec.benchmarks.forEach((b, i) => {
    // Checked here, not when the run reaches them: the fix is a line of this file.
    const benchmark = Object.hasOwn(BENCHMARKS, b.id) ? BENCHMARKS[b.id] : undefined;
    if (!benchmark) {
      throw new SpecError(file, `benchmarks[${i}].id`, `unknown benchmark "${b.id}"`, `known benchmarks: ${Object.keys(BENCHMARKS).join(", ")}`, lineOf(["benchmarks", i, "id"]));
    }
    if (b.subset !== undefined && !benchmark.subsets.includes(b.subset)) {
      throw new SpecError(file, `benchmarks[${i}].subset`, `${b.id} has no subset "${b.subset}"`, `its subsets: ${benchmark.subsets.join(", ")}`, lineOf(["benchmarks", i, "subset"]));
    }
    if (spec.benchmarks.findIndex((o) => o.id === b.id && o.subset === b.subset) !== i) {
      throw new SpecError(file, `benchmarks[${i}]`, `benchmark "${b.id}"${b.subset ? ` subset "${b.subset}"` : ""} is listed twice`, undefined, lineOf(["benchmarks", i]));
    }
  });
  // Not part of what the experiment is: its wording, and where this machine keeps the data.
  // Limits decide what is accepted, not what is asked (and adding them left earlier hashes alone).
  // The profiles models name are (what they send and how they are read): a changed profile is a changed study.
  const { description: _description, $schema: _schema, data_dir: _dataDir, finetune_store: _store, limits: _limits, ...declaredIdentity } = declared;
  const named = [...new Set(declared.models.flatMap((m) => (m.profile ? [m.profile] : [])))].sort();
  const identity = named.length ? { ...declaredIdentity, profiles: Object.fromEntries(named.map((id) => [id, profileHash(getProfile(id))])) } : declaredIdentity;
  const simulator = models.some((m) => m.simulated) || spec.judges.some((j) => j.simulated) || spec.grader?.simulated ? DEFAULT_SIMULATOR_CONFIG : null;
  if (spec.simulator && !simulator) {
    throw new SpecError(file, "simulator", "is set but no model or judge has simulated: true", "remove it, or mark the simulated models", lineOf(["simulator"]));
  }
  const dataDir = spec.data_dir === undefined ? null : resolve(dirname(file), spec.data_dir);
  return {
    file,
    id: spec.id,
    hash: sha256(canonicalJson(identity)),
    spec: { ...spec, judges, grader },
    models,
    simulator,
    dataDir,
    unconfiguredJudges,
    localFile: options.local?.file ?? null,
    limits: {
      maxResponseBytes: spec.limits?.response_mb !== undefined ? Math.round(spec.limits.response_mb * 1024 * 1024) : DEFAULT_LIMITS.maxResponseBytes,
      maxImagePixels: spec.limits?.image_megapixels !== undefined ? Math.round(spec.limits.image_megapixels * 1_000_000) : DEFAULT_LIMITS.maxImagePixels,
    },
    lineOf,
  };
}

function pick<T extends object>(object: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => keys.includes(key))) as Partial<T>;
}

/** The URLs an endpoint variable holds (comma-separated replicas); [] when it is unset or empty. */
function urlsFromEnv(name: string, env: NodeJS.ProcessEnv, file: string, field: string): string[] {
  const urls = (env[name] ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  for (const value of urls) {
    if (!/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) {
      // The value itself is not echoed: a URL may carry credentials.
      throw new SpecError(file, field, `the environment variable ${name} does not hold an http(s) URL`, `set ${name}=http://host:port/v1 (comma-separated for replicas)`);
    }
    const problem = urlSecretProblem(value);
    if (problem) throw new SpecError(file, field, `the environment variable ${name} holds a URL that ${problem}`, KEY_IN_URL_FIX);
  }
  return urls;
}

function notConfigured(name: string, file: string): string {
  return `not configured: set ${name} to the endpoint's URL (e.g. http://host:8000/v1), or give its base_url in ${localOverridePath(file)}`;
}

/** Base URLs as recorded and hashed: as displayed (no credentials), without the query string either, sorted. */
export function endpointIdentity(baseUrls: readonly string[]): string[] {
  return baseUrls
    .map((raw) => {
      const url = new URL(displayUrl(raw));
      url.search = "";
      return url.toString().replace(/\/+$/, "");
    })
    .sort();
}

export { formatPath };
