// A machine's local override of an experiment: `experiments/<name>.local.yaml` beside
// `experiments/<name>.yaml`, never committed (.gitignore). It says where this machine's endpoints
// and data are, so a shared experiment file (experiments/paper.yaml) stays free of hosts and keys:
//
//   models:
//     - {id: r1-onevision-7b, base_url: http://gpu-3:8000/v1}
//     - {id: qwen2.5-vl-7b, base_url_env: QWEN_URL, api_key_env: QWEN_KEY}
//   judges:
//     - {id: llm-judge, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY, model: gpt-4o-2024-08-06}
//   data_dir: /data/benchmarks
//
// Only where and how to reach things can be overridden, never what is asked, so the experiment's
// hash (over the shared file) still names the same study.
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { SpecError } from "../errors.ts";
import { endpointUrl, type ExperimentSpec } from "./spec.ts";
import { yamlValue } from "./yaml-spec.ts";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the NAME of an environment variable, not its value");
const url = endpointUrl;

const ModelEndpoint = z
  .object({
    id: z.string().min(1),
    base_url: url.optional(),
    base_urls: z.array(url).min(1).optional(),
    base_url_env: envName.optional(),
    api_key_env: envName.optional(),
  })
  .strict();

const JudgeEndpoint = z
  .object({
    id: z.string().min(1),
    model: z.string().min(1).optional(),
    base_url: url.optional(),
    base_url_env: envName.optional(),
    api_key_env: envName.optional(),
  })
  .strict();

const LocalSpec = z
  .object({
    models: z.array(ModelEndpoint).default([]),
    judges: z.array(JudgeEndpoint).default([]),
    data_dir: z.string().min(1).optional(),
  })
  .strict();

export interface LocalOverride {
  file: string;
  spec: z.infer<typeof LocalSpec>;
}

/** `experiments/paper.yaml` → `experiments/paper.local.yaml`. */
export function localOverridePath(experimentFile: string): string {
  return join(dirname(experimentFile), `${basename(experimentFile).replace(/\.ya?ml$/, "")}.local.yaml`);
}

/** The override beside `experimentFile`, validated; null when there is none. */
export async function readLocalOverride(experimentFile: string): Promise<LocalOverride | null> {
  const file = localOverridePath(experimentFile);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SpecError(file, "", `cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseLocalOverride(text, file);
}

export function parseLocalOverride(text: string, file: string): LocalOverride {
  const doc = parseDocument(text, { prettyErrors: false });
  const [yamlError] = doc.errors;
  if (yamlError) throw new SpecError(file, "", `not valid YAML: ${yamlError.message.split("\n")[0]}`);
  const plain = yamlValue(doc);
  if (!plain.ok) throw new SpecError(file, "", plain.problem, plain.fix);
  const result = LocalSpec.safeParse(plain.value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = [...issue.path, ...(issue.code === "unrecognized_keys" ? [issue.keys[0]!] : [])]
      .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`))
      .join("");
    const fix =
      issue.code === "unrecognized_keys"
        ? "a local override sets only endpoints (base_url, base_urls, base_url_env, api_key_env; a judge's model) and data_dir"
        : undefined;
    throw new SpecError(file, path, issue.code === "unrecognized_keys" ? "unknown field" : issue.message, fix);
  }
  return { file, spec: result.data };
}

/**
 * The experiment with this machine's endpoints: an override entry replaces the matching model's or
 * judge's endpoint fields as a whole. An id the experiment does not have is an error (a typo would
 * otherwise silently leave a model unconfigured).
 */
export function applyLocalOverride(spec: ExperimentSpec, local: LocalOverride, experimentFile: string): ExperimentSpec {
  const { file } = local;
  const models = local.spec.models.map((entry, i) => {
    if (!spec.models.some((m) => m.id === entry.id)) {
      throw new SpecError(file, `models[${i}].id`, `"${entry.id}" is not a model of ${experimentFile}`, `known ids: ${spec.models.map((m) => m.id).join(", ")}`);
    }
    if ([entry.base_url, entry.base_urls, entry.base_url_env].filter((v) => v !== undefined).length > 1) {
      throw new SpecError(file, `models[${i}]`, "give at most one of base_url, base_urls or base_url_env");
    }
    return entry;
  });
  local.spec.judges.forEach((entry, i) => {
    if (!spec.judges.some((j) => j.id === entry.id)) {
      throw new SpecError(file, `judges[${i}].id`, `"${entry.id}" is not a judge of ${experimentFile}`, `known ids: ${spec.judges.map((j) => j.id).join(", ")}`);
    }
  });
  return {
    ...spec,
    ...(local.spec.data_dir !== undefined && { data_dir: local.spec.data_dir }),
    models: spec.models.map((model) => {
      const entry = models.find((m) => m.id === model.id);
      if (!entry) return model;
      const { id: _id, api_key_env, ...where } = entry;
      const { base_url: _u, base_urls: _us, base_url_env: _e, simulated: _s, ...rest } = model;
      const endpoint = Object.keys(where).length ? where : { base_url: model.base_url, base_urls: model.base_urls, base_url_env: model.base_url_env, simulated: model.simulated };
      return stripUndefined({ ...rest, ...endpoint, ...(api_key_env !== undefined ? { api_key_env } : {}) });
    }),
    judges: spec.judges.map((judge) => {
      const entry = local.spec.judges.find((j) => j.id === judge.id);
      if (!entry) return judge;
      const { id: _id, api_key_env, model, ...where } = entry;
      const { base_url: _u, base_url_env: _e, simulated: _s, ...rest } = judge;
      const endpoint = Object.keys(where).length ? where : { base_url: judge.base_url, base_url_env: judge.base_url_env, simulated: judge.simulated };
      return stripUndefined({ ...rest, ...endpoint, ...(model !== undefined && { model }), ...(api_key_env !== undefined && { api_key_env }) });
    }),
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
