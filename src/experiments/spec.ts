// The experiment spec: one definition gives the TypeScript type, the validation with its error
// messages, and the JSON Schema that editors use for completion (experiments/experiment.schema.json).
import { z } from "zod";
import { KEY_IN_URL_FIX, urlSecretProblem } from "../secrets.ts";
import { DEFAULT_PROFILE_ID, PROFILE_IDS } from "../models/profiles/index.ts";

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit");

/** The NAME of an environment variable (never its value: keys and URLs stay out of spec files). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the NAME of an environment variable, not its value");

/**
 * An endpoint's URL: http(s), and never holding a key (user:password@, ?api_key=…), which would be
 * recorded and published wherever the endpoint is named. The message never repeats the value.
 */
export const endpointUrl = z
  .url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://127.0.0.1:8000/v1" })
  .superRefine((value, context) => {
    const problem = urlSecretProblem(value);
    if (problem) context.addIssue({ code: "custom", message: `the URL ${problem}; ${KEY_IN_URL_FIX}`, input: undefined });
  });
const url = endpointUrl;

/** Sampling settings sent with every request (and part of the cache key). */
export const Generation = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    max_tokens: z.int().positive().optional(),
    seed: z.int().optional().describe("sent to the endpoint; repeats add their index to it"),
    stop: z.array(z.string().min(1)).max(4).optional(),
  })
  .strict();

export const ModelSpec = z
  .object({
    id: id.describe("the id used in every table"),
    model: z.string().min(1).optional().describe("the model name sent to the endpoint (required unless finetune names a record)"),
    base_url: url.optional().describe("the OpenAI-compatible API root, ending in /v1"),
    base_urls: z.array(url).min(1).optional().describe("replicas of the same model, load-balanced"),
    base_url_env: envName
      .optional()
      .describe("the environment variable holding the endpoint's URL (comma-separated for replicas); unset means not configured on this machine"),
    simulated: z
      .literal(true)
      .optional()
      .describe("served by thinksafe's built-in simulator instead of a base_url; its output is labelled simulated"),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the NAME of an environment variable, not the key itself")
      .optional()
      .describe("the environment variable that holds the API key"),
    base: id.optional().describe("id of the model this one is compared against"),
    profile: z
      .enum(PROFILE_IDS)
      .optional()
      .describe(`how the model is prompted and its output read, as its authors run it (\`thinksafe profiles\` lists them; default ${DEFAULT_PROFILE_ID})`),
    system_prompt: z.string().optional().describe("overrides the profile's system prompt"),
    generation: Generation.optional().describe("overrides the experiment's and the profile's generation settings"),
    extra_body: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("extra request fields, e.g. {chat_template_kwargs: {enable_thinking: true}} for vLLM"),
    concurrency: z.int().positive().optional().describe("overrides the experiment's concurrency for this model"),
    stream: z.boolean().optional().describe("stream responses (default false)"),
    mode: z
      .enum(["online", "batch"])
      .optional()
      .describe("online (default): one request at a time; batch: OpenAI's Batch API (uploaded JSONL, polled, cheaper, slower)"),
    finetune: z
      .string()
      .min(1)
      .optional()
      .describe("a fine-tuning record (`thinksafe finetune`: its name, job id or model) whose model and endpoint this entry evaluates; looked up in finetune_store"),
  })
  .strict();

export const BenchmarkRef = z
  .object({
    id: id,
    subset: z.string().min(1).optional(),
    limit: z.int().positive().optional().describe("only the first N samples"),
  })
  .strict();

export const JudgeRef = z
  .object({
    id: id.describe("refusal-keywords, llm-judge or llama-guard"),
    model: z.string().min(1).optional().describe("endpoint judges: the model name sent to the judge's endpoint"),
    base_url: url.optional().describe("endpoint judges: the judge's OpenAI-compatible API root"),
    base_url_env: envName.optional().describe("endpoint judges: the environment variable holding the judge's URL"),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the NAME of an environment variable, not the key itself")
      .optional(),
    simulated: z.literal(true).optional().describe("endpoint judges: served by the built-in simulator (its output is simulated)"),
    images: z
      .boolean()
      .optional()
      .describe("llm-judge: also send the sample's images (a vision-capable judge model; costs image tokens on every request)"),
    image_max_side: z
      .int()
      .positive()
      .optional()
      .describe("llm-judge with images: downscale images whose longest side is larger (default: the experiment's image_max_side)"),
  })
  .strict();

export const ExperimentSpec = z
  .object({
    $schema: z.string().optional(),
    id: id,
    description: z.string().optional(),
    models: z.array(ModelSpec).min(1),
    benchmarks: z.array(BenchmarkRef).min(1),
    repeats: z.int().positive().default(1),
    generation: Generation.default({ temperature: 0, max_tokens: 2048 }).describe(
      "sampling settings; the fields given here override a model profile's recommended ones (the default applies only where neither sets a field)",
    ),
    system_prompt: z.string().optional().describe("sent before every prompt unless a model sets its own; overrides the profiles' system prompts"),
    concurrency: z.int().positive().default(16).describe("requests in flight per endpoint"),
    timeout_s: z.number().positive().default(60).describe("per request"),
    max_attempts: z.int().positive().default(6).describe("tries per request on transient errors"),
    batch_poll_s: z.number().positive().default(30).describe("how often batch-mode models' batches are polled"),
    image_max_side: z.int().positive().optional().describe("downscale images whose longest side is larger"),
    limits: z
      .object({
        response_mb: z.number().positive().max(1024).optional().describe("largest answer read, in MB (default 16): a larger one is cut off while it is read and its row fails with response_too_large"),
        image_megapixels: z
          .number()
          .positive()
          .max(1000)
          .optional()
          .describe("largest image, in millions of pixels read from its header (default 50): a larger one is never decoded or sent, and its sample's rows fail with image_too_large"),
      })
      .strict()
      .optional()
      .describe("what one answer or image may cost; past a limit the row fails with a named error and the run goes on (not part of the experiment's hash)"),
    judges: z.array(JudgeRef).default([]),
    grader: JudgeRef.omit({ id: true, images: true, image_max_side: true })
      .optional()
      .describe("MM-Vet's LLM grader (upstream: gpt-4-0613), given like an endpoint judge; without one, MM-Vet answers are recorded unscored"),
    data_dir: z
      .string()
      .min(1)
      .optional()
      .describe("folder with the user's copies of benchmark data (<data_dir>/<benchmark id>/...), relative to this file"),
    finetune_store: z
      .string()
      .min(1)
      .optional()
      .describe("the fine-tuning run store that models' finetune names are looked up in, relative to this file (default: $THINKSAFE_FINETUNE_DIR or .thinksafe/finetune)"),
    simulator: z
      .object({ config: z.string().min(1).optional().describe("simulator config file, relative to this file") })
      .strict()
      .optional()
      .describe("settings of the built-in simulator that serves models marked simulated: true"),
  })
  .strict();

export type ExperimentSpec = z.infer<typeof ExperimentSpec>;
export type ModelSpec = z.infer<typeof ModelSpec>;
export type Generation = z.infer<typeof Generation>;
export type JudgeRef = z.infer<typeof JudgeRef>;

export function experimentJsonSchema(): object {
  return z.toJSONSchema(ExperimentSpec, { io: "input" });
}
