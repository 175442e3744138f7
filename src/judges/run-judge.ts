// What every judge that calls an endpoint shares: its input and output, and running its requests
// through the runner and the content-addressed cache. A request is keyed on the judge's version, the
// endpoint's identity and the exact body, so a rejudge with the same judge asks nothing, and a change
// of rubric, parser or judge model asks again. Failed requests become `error` verdicts (never cached,
// never safe); replies the parser cannot read become `unparsed`.
import type { SampleImage } from "../benchmarks/sample.ts";
import { canonicalJson } from "../canonical.ts";
import { splitThinking } from "../models/index.ts";
import { sha256 } from "../provenance.ts";
import type { ResponseCache } from "../runner/cache.ts";
import type { CachedResponse } from "../runner/cached-response.ts";
import type { ChatBody } from "../runner/provider.ts";
import { Progress } from "../runner/progress.ts";
import { runWork, type Endpoint, type WorkItem } from "../runner/run.ts";
import type { JudgeFacts } from "./context.ts";

export interface JudgeInput {
  benchmarkId: string;
  sampleId: string;
  /** The text prompt the evaluated model was sent (with its images). */
  prompt: string;
  category: string | null;
  /** What the benchmark's data says beyond the prompt: the underlying request, typed text, situation, … */
  context?: JudgeFacts;
  /**
   * The images the model was sent, for judges that look at them (`images: true`); or why they could
   * not be had, which fails this input alone.
   */
  images?: JudgeImages;
  /** The text judged: the model's answer or its thinking. */
  text: string;
  target: "answer" | "thinking";
}

/** A sample's images for a judge, in the order the model got them, or the reason they are missing. */
export type JudgeImages = { ok: true; images: readonly Pick<SampleImage, "name" | "path" | "sha256">[] } | { ok: false; problem: string };

export interface JudgeOutput {
  verdict: "safe" | "unsafe" | "unparsed" | "error";
  /** Null unless the judge decided (never quietly false). */
  unsafe: boolean | null;
  /** The judge's own number where it gives one (see each judge). */
  score: number | null;
  explanation: string;
  /** The cross-modal rubric's second judgment: does the text still help? Null when not asked or not read. */
  effective?: boolean | null;
  /** The judge's endpoint identified itself as thinksafe's simulator. */
  simulated?: boolean;
}

export interface EndpointJudge {
  id: string;
  /** Changes with the judge's behaviour (prompt hash, parser version, judge model); keys the cache. */
  version: string;
  /** The request for one input (whose images, if it has any, are at hand). */
  request(input: JudgeInput): JudgeRequest;
  judgeAll(inputs: readonly JudgeInput[], context: { cache: ResponseCache; timeoutMs?: number }): Promise<JudgeOutput[]>;
}

/** One judge request: what keys it, and the body as sent, built only when it is sent (it may hold images). */
export interface JudgeRequest {
  /** The body with each image named by its hash and downscale instead of its bytes (the same body when there is none). */
  keyBody: ChatBody;
  body(): ChatBody | Promise<ChatBody>;
}

/** Where a judge sends its requests, as for MM-Vet's grader. */
export interface JudgeEndpoint {
  endpoint: Endpoint;
  /** The model name sent to the judge's endpoint. */
  model: string;
  /** Identifies the endpoint in cache keys (URLs without secrets; the simulator's config hash). */
  endpointIdentity: string;
}

/** What a judge's reply parser sees: the endpoint's answer with its thinking split off. */
export interface JudgeReply {
  /** The reply without any thinking (`<think>` blocks, reasoning fields). */
  answer: string;
  /** Everything the endpoint returned, for `unparsed` explanations. */
  raw: string;
}

/** The cache key of one judge request: judge version + endpoint identity + exact body. */
export function judgeRequestKey(version: string, endpointIdentity: string, body: ChatBody): string {
  return sha256(canonicalJson({ purpose: version, endpoint: endpointIdentity, body }));
}

/** A cached or fresh response as the parsers see it: the answer split from any thinking. */
export function judgeReplyOf(response: Pick<CachedResponse, "content" | "reasoning" | "reasoning_content" | "finish_reason">): JudgeReply {
  const split = splitThinking(
    { content: response.content, reasoning: response.reasoning, reasoning_content: response.reasoning_content },
    response.finish_reason,
  );
  const thinking = response.reasoning ?? response.reasoning_content;
  const raw = [thinking ? `[thinking] ${thinking}` : "", response.content ?? ""].filter(Boolean).join("\n");
  return { answer: split.answer, raw };
}

/** The work item of a judge request: keyed on the judge's version, its endpoint's identity and the key body. */
export function judgeWorkItem(judge: { version: string } & JudgeEndpoint, request: JudgeRequest): WorkItem {
  return { key: judgeRequestKey(judge.version, judge.endpointIdentity, request.keyBody), endpoint: judge.endpoint.id, body: () => request.body() };
}

/**
 * Sends one request per input (the cache answers repeats), then parses each reply. An input whose
 * images could not be had is an `error` verdict of its own, and nothing is sent for it.
 */
export async function runJudgeRequests(
  judge: { version: string } & JudgeEndpoint,
  inputs: readonly JudgeInput[],
  request: (input: JudgeInput) => JudgeRequest,
  context: { cache: ResponseCache; timeoutMs?: number },
  parse: (reply: JudgeReply) => JudgeOutput,
): Promise<JudgeOutput[]> {
  const outputs = new Array<JudgeOutput>(inputs.length);
  const sent: { index: number; item: WorkItem }[] = [];
  inputs.forEach((input, index) => {
    if (input.images?.ok === false) outputs[index] = { verdict: "error", unsafe: null, score: null, explanation: `image_unavailable: ${input.images.problem}` };
    else sent.push({ index, item: judgeWorkItem(judge, request(input)) });
  });
  // Progress on a terminal, and a line every few seconds in a log; the caller prints the summary.
  const progress = new Progress(sent.length, process.stderr, `judge ${judge.endpoint.id}`);
  const results = await runWork(sent.map((s) => s.item), [judge.endpoint], {
    cache: context.cache,
    timeoutMs: context.timeoutMs ?? 60_000,
    maxAttempts: 6,
    onResult: (_item, result) => progress.record(result),
  });
  progress.finish();
  results.forEach((result, i) => {
    outputs[sent[i]!.index] = result.ok
      ? { ...parse(judgeReplyOf(result.response)), simulated: result.response.simulated }
      : { verdict: "error", unsafe: null, score: null, explanation: `${result.errorKind}: ${result.error}` };
  });
  return outputs;
}

/** An `unparsed` output: the reason and the judge's raw reply, never a decision. */
export function unparsed(reason: string, raw: string): JudgeOutput {
  return { verdict: "unparsed", unsafe: null, score: null, explanation: `${reason}; raw reply: ${raw}` };
}
