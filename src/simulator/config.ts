// The simulator's configuration file (YAML or JSON, snake_case keys): its schema, defaults and
// validation. Every problem is a DataError naming the file, the line when known, the field and the fix.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { readTextFile } from "../datasets/input.ts";
import { DataError } from "../errors.ts";
import { yamlValue } from "../experiments/yaml-spec.ts";
import { findProfile, PROFILE_IDS } from "../models/profiles/index.ts";
import { thinkingSlots } from "../models/profile.ts";

/** Fewest words a thinking or answer text may have: the fixed sentences of generate.ts must fit. */
export const MIN_WORDS = 16;

export const REASONING_MODES = ["reasoning", "reasoning_content", "think_tags", "think_tags_no_open", "none"] as const;

/**
 * What a simulated model does: answer requests, grade (0.0–1.0), judge safety, classify like Llama
 * Guard, caption images, or write `<think>…</think>answer` training answers as a teacher (TiS build).
 */
export const MODEL_ROLES = ["assistant", "grader", "judge", "llama-guard", "captioner", "teacher"] as const;

/** A strict object whose unknown-field error lists the fields that are allowed. */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `unknown field; allowed fields: ${Object.keys(shape).join(", ")}` : undefined,
  });
}

const rate = z.number().min(0).max(1);
const milliseconds = z.number().min(0);

const latencySchema = z.discriminatedUnion("distribution", [
  strictObject({ distribution: z.literal("fixed"), mean: milliseconds }),
  strictObject({ distribution: z.literal("uniform"), min: milliseconds, max: milliseconds }).refine(
    (latency) => latency.min <= latency.max,
    { path: ["max"], message: "max is below min", params: { fix: "make max at least min" } },
  ),
  strictObject({ distribution: z.literal("lognormal"), mean: z.number().positive(), sd: milliseconds }),
]);

const FAULT_RATES = ["rate_429", "rate_500", "rate_reset", "rate_hang", "rate_non_json"] as const;

const faultsSchema = strictObject({
  rate_429: rate.default(0),
  retry_after_s: z.number().int().min(0).default(1),
  rate_500: rate.default(0),
  rate_reset: rate.default(0),
  rate_hang: rate.default(0),
  rate_non_json: rate.default(0),
  rate_batch_line_error: rate.default(0),
}).refine((faults) => FAULT_RATES.reduce((sum, key) => sum + faults[key], 0) <= 1, {
  message: "the request fault rates add up to more than 1",
  params: { fix: `lower ${FAULT_RATES.join(", ")} so that their sum is at most 1` },
});

const modelSchema = strictObject({
  name: z.string().min(1),
  reasoning: z.enum(REASONING_MODES),
  // A grader answers with a score from 0.0 to 1.0, as judges such as MM-Vet's GPT-4 grader do.
  // A judge answers with a short rationale and a final `VERDICT: safe|unsafe [simulated]` line, as an
  // LLM safety judge does; a llama-guard model answers `safe` or `unsafe\nS2`, as Llama Guard does.
  role: z.enum(MODEL_ROLES).default("assistant"),
  refusal_rate: rate,
  unsafe_thinking_rate: rate.default(0.5),
  thinking_words: z.number().int().min(MIN_WORDS).default(60),
  answer_words: z.number().int().min(MIN_WORDS).default(80),
  // Assistants: the probability of answering a capability question right (README, "Capability questions").
  accuracy: rate.optional(),
  latency_ms: latencySchema.optional(),
  // A model profile (src/models/profiles/) whose output format the model speaks, in its content:
  // its layout for one reply, or its dialogue's turns (README, "Profile formats").
  format: z.enum(PROFILE_IDS).optional(),
}).superRefine((model, context) => {
  const profile = model.format === undefined ? undefined : findProfile(model.format);
  if (!profile) return;
  const thinks = profile.exchange.kind === "dialogue" || thinkingSlots(profile.exchange.layout) > 0;
  if (thinks !== (model.reasoning === "think_tags")) {
    context.addIssue({
      code: "custom",
      path: ["reasoning"],
      message: `format ${profile.id} ${thinks ? "writes its thinking into the content" : "has no thinking"}`,
      params: { fix: `use reasoning: ${thinks ? "think_tags" : "none"} with this format` },
    });
  }
});

const batchSchema = strictObject({
  validating_ms: milliseconds.default(50),
  in_progress_ms: milliseconds.default(200),
});

export type LatencyConfig = z.output<typeof latencySchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type ReasoningMode = ModelConfig["reasoning"];

/** An assistant's capability accuracy when its config gives none. */
export const DEFAULT_ACCURACY = 0.8;

function model(name: string, reasoning: ReasoningMode, refusalRate: number, accuracy?: number, format?: ModelConfig["format"]): ModelConfig {
  return { name, reasoning, role: "assistant", refusal_rate: refusalRate, unsafe_thinking_rate: 0.5, thinking_words: 60, answer_words: 80, ...(accuracy !== undefined && { accuracy }), ...(format && { format }) };
}

/** Reasoning models with the base models they were trained from; bases refuse more often. */
const DEFAULT_MODELS: ModelConfig[] = [
  model("sim/r1-onevision-7b", "reasoning", 0.35, 0.84),
  // LLaVA-CoT writes its stages and Kimi-VL its ◁think▷ markers into the content, as served without a parser.
  model("sim/llava-cot-11b", "think_tags", 0.45, 0.78, "llava-cot"),
  model("sim/kimi-vl-a3b-thinking", "think_tags", 0.5, undefined, "kimi-vl-thinking"),
  model("sim/qwen2.5-vl-7b-instruct", "none", 0.6),
  model("sim/llama-3.2-11b-vision-instruct", "none", 0.7),
  model("sim/kimi-vl-a3b-instruct", "none", 0.75),
  // Judges for the offline demo: an LLM judge with a rubric, and a Llama Guard–style classifier.
  { ...model("sim/judge", "none", 0), role: "judge" },
  { ...model("sim/llama-guard-3", "none", 0), role: "llama-guard" },
  // The TiS build's demo: a captioner, and a teacher that writes its own <think> markup (reasoning
  // none), refusing half the time whatever the request, so the build's filters have work to do.
  { ...model("sim/captioner", "none", 0), role: "captioner", answer_words: 40 },
  { ...model("sim/teacher", "none", 0.5), role: "teacher", thinking_words: 120 },
];

const configSchema = strictObject({
  seed: z.number().int().default(0),
  latency_ms: latencySchema.default({ distribution: "fixed", mean: 20 }),
  faults: faultsSchema.prefault({}),
  models: z.array(modelSchema).min(1).default(() => DEFAULT_MODELS.map((m) => ({ ...m }))),
  batch: batchSchema.prefault({}),
}).superRefine((config, context) => {
  const seen = new Set<string>();
  config.models.forEach((m, i) => {
    if (seen.has(m.name)) {
      context.addIssue({
        code: "custom",
        path: ["models", i, "name"],
        message: `duplicate model name "${m.name}"`,
        params: { fix: "give every model a distinct name" },
      });
    }
    seen.add(m.name);
  });
});

export type SimulatorConfig = z.output<typeof configSchema>;

export const DEFAULT_SIMULATOR_CONFIG: SimulatorConfig = configSchema.parse({});

/** Validates an already-parsed config object; `file` names it in error messages. */
export function parseSimulatorConfig(raw: unknown, file: string): SimulatorConfig {
  return validate(raw, file, () => undefined);
}

/** Reads and validates a YAML or JSON config file (JSON is read as YAML, which it is a subset of). */
export async function loadSimulatorConfig(file: string): Promise<SimulatorConfig> {
  const text = await readTextFile(file, "give the path of a simulator config in YAML or JSON");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new DataError({ file, line }, `not valid YAML or JSON: ${syntaxError.message.split("\n")[0]}`);
  }
  const plain = yamlValue(doc);
  if (!plain.ok) throw new DataError({ file }, plain.problem, plain.fix);
  return validate(plain.value ?? {}, file, (path) => lineOf(doc, lineCounter, path));
}

function validate(raw: unknown, file: string, lineAt: (path: PropertyKey[]) => number | undefined): SimulatorConfig {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // An unknown field is reported at the field itself, not at the object holding it.
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
  const line = lineAt(path);
  throw new DataError(
    { file, ...(line !== undefined && { line }) },
    `${path.length > 0 ? `field "${formatPath(path)}"` : "top level"}: ${issue.message}`,
    fixFor(issue),
  );
}

function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "add this field" : `give a ${issue.expected}`;
    case "too_big":
      return `use a value of at most ${String(issue.maximum)}`;
    case "too_small":
      return issue.origin === "array" ? `give at least ${String(issue.minimum)} entry` : `use a value of at least ${String(issue.minimum)}`;
    case "invalid_value":
      return `use one of ${issue.values.map(String).join(", ")}`;
    case "invalid_union": {
      // zod reports the allowed discriminator values at run time without typing them.
      const options = (issue as { options?: unknown[] }).options;
      return issue.discriminator && options
        ? `set ${issue.discriminator} to one of ${options.map(String).join(", ")}`
        : "see the config format in src/simulator/config.ts";
    }
    case "unrecognized_keys":
      return "remove the field or correct its spelling";
    case "custom":
      return String(issue.params?.fix ?? "see the config format in src/simulator/config.ts");
    default:
      return "see the config format in src/simulator/config.ts";
  }
}

/** `models[0].latency_ms.mean`, as the field would be written in code. */
function formatPath(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i > 0 ? "." : ""}${String(key)}`)).join("");
}

/** The line of the deepest YAML node along `path` (the field itself, or the nearest parent present). */
function lineOf(doc: Document, lineCounter: LineCounter, path: PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = doc.contents?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
      offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

/**
 * Simulated assistants under the given model names, each speaking its profile's format: what
 * `thinksafe simulate --experiment FILE` serves, so an experiment's real model names can be pointed
 * at the simulator and every profile met over HTTP. Base models refuse more often than reasoning
 * models, as in the default demo.
 */
export function modelsSpeaking(entries: ReadonlyArray<{ name: string; profile: string }>): ModelConfig[] {
  const byName = new Map<string, string>();
  for (const { name, profile } of entries) {
    const earlier = byName.get(name);
    if (earlier !== undefined && earlier !== profile) throw new Error(`model ${name} is named with two profiles, ${earlier} and ${profile}`);
    byName.set(name, profile);
  }
  return [...byName].map(([name, id]) => {
    const profile = findProfile(id);
    if (!profile) throw new Error(`unknown model profile "${id}"`);
    const thinks = profile.exchange.kind === "dialogue" || thinkingSlots(profile.exchange.layout) > 0;
    return modelSchema.parse({ name, reasoning: thinks ? "think_tags" : "none", format: id, refusal_rate: profile.kind === "base" ? 0.6 : 0.4 });
  });
}
