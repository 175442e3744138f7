// Models named by a fine-tuning record (`finetune: NAME`, see src/finetune/): the record gives the
// fine-tuned model id and where it is served, so an experiment evaluates what `thinksafe finetune`
// produced without anyone pasting ids. The record is looked up when the experiment is loaded.
import { isAbsolute, resolve, dirname } from "node:path";
import { parse } from "yaml";
import { defaultStoreDir, FineTuneStore, type FineTuneRecord } from "../finetune/store.ts";
import { SpecError } from "../errors.ts";
import type { ExperimentSpec } from "./spec.ts";

/** A record found for a `finetune:` name, or why none could be used. */
export type FineTuneLookup = { record: FineTuneRecord } | { problem: string };

/** Looks up every `finetune:` name of the experiment file's text in its store. */
export async function lookUpFineTunes(text: string, file: string, env: NodeJS.ProcessEnv): Promise<Record<string, FineTuneLookup>> {
  let raw: { models?: { finetune?: unknown }[]; finetune_store?: unknown };
  try {
    raw = (parse(text) ?? {}) as typeof raw;
  } catch {
    return {}; // parseExperiment reports the YAML error with its line
  }
  const names = (Array.isArray(raw.models) ? raw.models : []).map((m) => m?.finetune).filter((n): n is string => typeof n === "string");
  if (names.length === 0) return {};
  const store = new FineTuneStore(storeDir(raw.finetune_store, file, env));
  const found: Record<string, FineTuneLookup> = {};
  for (const name of names) {
    try {
      found[name] = { record: await store.find(name) };
    } catch (error) {
      found[name] = { problem: (error as Error).message };
    }
  }
  return found;
}

function storeDir(declared: unknown, file: string, env: NodeJS.ProcessEnv): string {
  if (typeof declared === "string" && declared) return isAbsolute(declared) ? declared : resolve(dirname(file), declared);
  return resolve(defaultStoreDir(env));
}

/**
 * The spec with each `finetune:` model completed from its record: `model` is the record's
 * fine-tuned model, and unless the entry gives its own endpoint, the record's (a job run on a
 * simulator that lived only during `create` is served by the experiment's simulator).
 */
export function applyFineTunes(spec: ExperimentSpec, lookups: Record<string, FineTuneLookup>, file: string, lineOf: (path: PropertyKey[]) => number | undefined): ExperimentSpec {
  return {
    ...spec,
    models: spec.models.map((model, i) => {
      if (model.finetune === undefined) return model;
      const at = (field: string) => lineOf(["models", i, field]);
      const lookup = lookups[model.finetune] ?? { problem: "not looked up" };
      if ("problem" in lookup) throw new SpecError(file, `models[${i}].finetune`, lookup.problem, undefined, at("finetune"));
      const { record } = lookup;
      if (!record.fine_tuned_model) {
        throw new SpecError(file, `models[${i}].finetune`, `record "${record.name}" has no fine-tuned model yet (status ${record.status})`, `wait for it: thinksafe finetune status ${record.name} --wait`, at("finetune"));
      }
      if (model.model !== undefined && model.model !== record.fine_tuned_model) {
        throw new SpecError(file, `models[${i}].model`, `"${model.model}" is not record "${record.name}"'s model "${record.fine_tuned_model}"`, "remove model: the record gives it", at("model"));
      }
      const ownEndpoint = [model.base_url, model.base_urls, model.base_url_env, model.simulated].some((v) => v !== undefined);
      const endpoint = ownEndpoint
        ? {}
        : record.is_simulated && record.base_url === null
          ? { simulated: true as const }
          : record.base_url === null
            ? (() => {
                throw new SpecError(file, `models[${i}].finetune`, `record "${record.name}" names no endpoint that serves its model`, "give base_url (or base_url_env) for this model", at("finetune"));
              })()
            : { base_url: record.base_url, ...(record.api_key_env && model.api_key_env === undefined && { api_key_env: record.api_key_env }) };
      return { ...model, model: record.fine_tuned_model, ...endpoint };
    }),
  };
}
