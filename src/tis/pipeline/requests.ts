// Where a build's requests go and what they are: each stage endpoint checked and connected (the
// simulator's URL for simulated ones), the caption and teacher requests with their cache keys, and
// running a stage's requests through the runner and the cache with a progress line.
import { canonicalJson } from "../../canonical.ts";
import { SpecError } from "../../errors.ts";
import { preflight } from "../../eval/preflight.ts";
import { encodeImage } from "../../models/images.ts";
import { sha256 } from "../../provenance.ts";
import type { ResponseCache } from "../../runner/cache.ts";
import { Progress } from "../../runner/progress.ts";
import type { ChatBody } from "../../runner/provider.ts";
import { runWork, type Endpoint, type Result, type WorkItem } from "../../runner/run.ts";
import { readImageBytes, type BuildItem } from "./inputs.ts";
import type { StageEndpoint, TisBuild } from "./load.ts";
import { teacherPrompt, type BuildPrompts } from "./prompts.ts";
import { readApiKey } from "../../secrets.ts";

/** Bump when a request's layout changes, so that old cache entries stop matching. */
export const BUILD_REQUEST_FORMAT = 1;

/** A stage's endpoint, connected. */
export interface Stage {
  endpoint: StageEndpoint;
  runner: Endpoint;
}

export interface StageCounts {
  /** Distinct requests (items sharing one are asked once). */
  requests: number;
  fromCache: number;
  errors: number;
}

export interface RunOptions {
  cache: ResponseCache;
  timeoutMs: number;
  maxAttempts: number;
  progress?: ConstructorParameters<typeof Progress>[1];
  log: (line: string) => void;
}

/** Reads the endpoint's key and checks that it answers; problems are SpecErrors at the spec's field. */
export async function connect(build: TisBuild, endpoint: StageEndpoint, simulatorUrl: string | null, env: NodeJS.ProcessEnv): Promise<Stage> {
  const fail = (field: string, problem: string, fix?: string): never => {
    throw new SpecError(build.file, `${endpoint.role}${field ? `.${field}` : ""}`, problem, fix, build.lineOf([endpoint.role, ...(field ? [field] : [])]));
  };
  const apiKey = readApiKey(env, endpoint.apiKeyEnv);
  if (endpoint.apiKeyEnv && !apiKey) fail("api_key_env", `the environment variable ${endpoint.apiKeyEnv} is not set`, "export it before the build");
  let baseUrls = endpoint.simulated ? [simulatorUrl!] : endpoint.baseUrls;
  if (!endpoint.simulated) {
    // Replicas that do not answer are left out; with none left, the build cannot start.
    const checks = await Promise.all(baseUrls.map((url) => preflight(url, apiKey)));
    const problems = checks.flatMap((c) => (c.ok ? [] : [c.problem]));
    if (problems.length === baseUrls.length) fail(endpoint.baseUrls.length > 1 ? "base_urls" : "base_url", problems.join("; "));
    baseUrls = baseUrls.filter((_, i) => checks[i]!.ok);
  }
  return {
    endpoint,
    runner: { id: endpoint.role, baseUrls, ...(apiKey && { apiKey }), concurrency: endpoint.concurrency, stream: false },
  };
}

export interface StageWork extends WorkItem {
  promptSha256: string;
}

/** A caption request; keyed on the images' hashes, not their data URIs, so the key is known before any image is read. */
export function captionRequest(item: BuildItem, endpoint: StageEndpoint, prompts: BuildPrompts, imageMaxSide: number | undefined): StageWork {
  const key = sha256(
    canonicalJson({
      purpose: "tis-caption",
      format: BUILD_REQUEST_FORMAT,
      endpoint: endpoint.identity,
      model: endpoint.model,
      prompt: prompts.caption,
      images: item.images.map((image) => image.sha256),
      image_max_side: imageMaxSide ?? null,
      generation: endpoint.generation,
      extra_body: endpoint.extraBody,
    }),
  );
  return {
    key,
    endpoint: endpoint.role,
    promptSha256: sha256(prompts.caption),
    body: async (): Promise<ChatBody> => {
      const images = await Promise.all(
        item.images.map(async (image) => encodeImage({ bytes: await readImageBytes(image), name: image.path }, imageMaxSide ? { maxSide: imageMaxSide } : {})),
      );
      return {
        ...endpoint.extraBody,
        model: endpoint.model,
        messages: [{ role: "user", content: [...images.map((image) => ({ type: "image_url", image_url: { url: image.dataUri } })), { type: "text", text: prompts.caption }] }],
        ...endpoint.generation,
      };
    },
  };
}

/** A teacher request: text only (the teacher sees the image through its caption), keyed on the whole body. */
export function teacherRequest(item: BuildItem, caption: string, endpoint: StageEndpoint, prompts: BuildPrompts, specification: string, build: TisBuild): StageWork {
  const category = item.harmCategory ? build.safetySpec.content.harm_categories.find((c) => c.id === item.harmCategory)!.name : (item.sourceCategory ?? "not given");
  const prompt = teacherPrompt(prompts, {
    specification,
    caption,
    question: item.question,
    label: item.label ?? "not labelled",
    category,
  });
  const body: ChatBody = { ...endpoint.extraBody, model: endpoint.model, messages: [{ role: "user", content: prompt }], ...endpoint.generation };
  return {
    key: sha256(canonicalJson({ purpose: "tis-teacher", format: BUILD_REQUEST_FORMAT, endpoint: endpoint.identity, body })),
    endpoint: endpoint.role,
    promptSha256: sha256(prompt),
    body: () => body,
  };
}

/**
 * Runs one stage's requests through the cache and the runner, with a progress line. Items sharing a
 * key (items with the same images share a caption) are one request, counted once.
 */
export async function runStage(label: string, work: readonly WorkItem[], endpoint: Endpoint, options: RunOptions): Promise<{ results: Result[]; counts: StageCounts }> {
  const distinct = [...new Map(work.map((item) => [item.key, item])).values()];
  const progress = new Progress(distinct.length, options.progress, label);
  const { cache, timeoutMs, maxAttempts } = options;
  const answered = await runWork(distinct, [endpoint], { cache, timeoutMs, maxAttempts, onResult: (_item, result) => progress.record(result) });
  options.log(progress.finish());
  const byKey = new Map(distinct.map((item, i) => [item.key, answered[i]!]));
  const { done, cached, errors } = progress.counts;
  return { results: work.map((item) => byKey.get(item.key)!), counts: { requests: done, fromCache: cached, errors } };
}
