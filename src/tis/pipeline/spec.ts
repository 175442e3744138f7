// The TiS build spec (`thinksafe tis build SPEC.yaml`): one zod definition gives the type, the
// validation with its error messages, and the JSON Schema. Endpoints are named as in experiments.
import { z } from "zod";
import { endpointUrl, Generation } from "../../experiments/spec.ts";

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit");
const url = endpointUrl;
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the NAME of an environment variable, not the key itself");

/** Where a stage's requests go: one of base_url, base_urls or simulated, as for experiment models. */
const endpointFields = {
  model: z.string().min(1).describe("the model name sent to the endpoint"),
  base_url: url.optional().describe("the OpenAI-compatible API root, ending in /v1"),
  base_urls: z.array(url).min(1).optional().describe("replicas of the same model, load-balanced"),
  simulated: z.literal(true).optional().describe("served by thinksafe's built-in simulator; its output is labelled simulated"),
  api_key_env: envName.optional().describe("the environment variable that holds the API key"),
  generation: Generation.optional().describe("sampling settings sent with every request (part of the cache key)"),
  extra_body: z.record(z.string(), z.unknown()).optional().describe("extra request fields, e.g. vLLM's chat_template_kwargs"),
  concurrency: z.int().positive().optional().describe("requests in flight per replica (default: the spec's concurrency)"),
};

export const TeacherSpec = z.object(endpointFields).strict();

export const CaptionerSpec = z
  .object({
    ...endpointFields,
    model: endpointFields.model.optional(),
    given: z.literal(true).optional().describe("use each input item's own `caption` instead of asking a captioning model"),
  })
  .strict();

export const JudgeSpec = z
  .object({
    id: z.enum(["refusal-keywords", "llm-judge", "llama-guard"]).describe("the judge that decides whether an answer to a harmful request complies"),
    model: z.string().min(1).optional().describe("endpoint judges: the judge model's name"),
    base_url: url.optional(),
    api_key_env: envName.optional(),
    simulated: z.literal(true).optional(),
  })
  .strict();

export const INPUT_SOURCES = ["vlguard-train", "spa-vl", "mis", "file"] as const;

export const InputSpec = z
  .object({
    source: z.enum(INPUT_SOURCES).describe("a training set read from data_dir (vlguard-train, spa-vl, mis), or a file of your own"),
    path: z.string().min(1).optional().describe("source file: a JSON array or JSONL file of items, relative to this spec"),
    name: id.optional().describe("prefix of this input's item ids (default: the source, or the file's name)"),
    limit: z.int().positive().optional().describe("only the first N items"),
    unlabelled: z
      .enum(["harmful", "benign", "unchecked"])
      .default("unchecked")
      .describe("how items the source does not label are checked for refusal consistency (SPA-VL and MIS give no labels)"),
  })
  .strict();

export const TisBuildSpec = z
  .object({
    $schema: z.string().optional(),
    id: id,
    description: z.string().optional(),
    safety_spec: z.string().min(1).describe("the safety specification YAML, relative to this file (e.g. tis/safety-spec.yaml)"),
    inputs: z.array(InputSpec).min(1),
    data_dir: z.string().min(1).optional().describe("folder with your copies of the training sets (<data_dir>/vlguard/train.json, ...), relative to this file"),
    captioner: CaptionerSpec,
    teacher: TeacherSpec,
    judge: JudgeSpec.describe("checks refusal consistency on items labelled harmful; items labelled benign must carry no refusal phrase"),
    filters: z
      .object({
        thinking_words: z
          .object({ min: z.int().min(0).default(50), max: z.int().positive().default(4096) })
          .strict()
          .prefault({})
          .describe("bounds on the thinking's length in whitespace-separated words"),
        dedup: z
          .object({
            enabled: z.boolean().default(true),
            by: z.array(z.enum(["question", "images"])).min(1).default(["question", "images"]),
          })
          .strict()
          .prefault({})
          .describe("drop later items with the same normalised question and/or image set"),
      })
      .strict()
      .prefault({}),
    image_max_side: z.int().positive().optional().describe("downscale images sent to the captioner whose longest side is larger"),
    concurrency: z.int().positive().default(16).describe("requests in flight per endpoint"),
    timeout_s: z.number().positive().default(300).describe("per request (teachers think for a long time)"),
    max_attempts: z.int().positive().default(6).describe("tries per request on transient errors"),
    simulator: z
      .object({ config: z.string().min(1).optional().describe("simulator config file, relative to this file") })
      .strict()
      .optional(),
  })
  .strict();

export type TisBuildSpec = z.output<typeof TisBuildSpec>;
export type InputSpec = z.output<typeof InputSpec>;
export type JudgeSpec = z.output<typeof JudgeSpec>;

export function tisBuildJsonSchema(): object {
  return z.toJSONSchema(TisBuildSpec, { io: "input" });
}
