// MM-Vet's scoring: each answer graded by an LLM judge behind any OpenAI-compatible endpoint with
// upstream's few-shot prompt, through the same runner and cache as model requests (a regrade with
// the same judge, prompt and answers asks nothing). Unparsable replies stay unparsed, never 0.
import { canonicalJson } from "../canonical.ts";
import { MM_VET_GRADER_PROMPT, MM_VET_GRADER_SETTINGS, mmVetGraderRequest, parseMmVetScore, type MmVetScore } from "../benchmarks/scoring/mm-vet.ts";
import { sha256 } from "../provenance.ts";
import type { ResponseCache } from "../runner/cache.ts";
import { runWork, type Endpoint, type WorkItem } from "../runner/run.ts";

/** Changes whenever the grader's prompt or parsing does; recorded beside every grade. */
export const MM_VET_GRADER_VERSION = `mm-vet-grader@${sha256(MM_VET_GRADER_PROMPT).slice(0, 12)}`;

export interface MmVetAnswer {
  sampleId: string;
  question: string;
  /** The reference answer (MM-Vet's ground truth, with <AND>/<OR>). */
  reference: string;
  /** What the evaluated model answered. */
  answer: string;
}

export interface MmVetJudge {
  endpoint: Endpoint;
  /** The model name sent to the judge's endpoint. */
  model: string;
  /** Identifies the endpoint in cache keys (URLs without secrets). */
  endpointIdentity: string;
}

export type MmVetGraded = { sampleId: string; grader: string } & (MmVetScore | { failed: true; error: string });

export async function gradeMmVet(answers: readonly MmVetAnswer[], judge: MmVetJudge, cache: ResponseCache, timeoutMs = 60_000): Promise<MmVetGraded[]> {
  const items: WorkItem[] = answers.map((a) => {
    const body = { model: judge.model, ...mmVetGraderRequest({ question: a.question, answer: a.reference }, a.answer), ...MM_VET_GRADER_SETTINGS };
    return { key: sha256(canonicalJson({ purpose: MM_VET_GRADER_VERSION, endpoint: judge.endpointIdentity, body })), endpoint: judge.endpoint.id, body: () => body };
  });
  const results = await runWork(items, [judge.endpoint], { cache, timeoutMs, maxAttempts: 6 });
  return results.map((result, i) => {
    const base = { sampleId: answers[i]!.sampleId, grader: `${judge.model}/${MM_VET_GRADER_VERSION}` };
    if (!result.ok) return { ...base, failed: true as const, error: `${result.errorKind}: ${result.error}` };
    return { ...base, ...parseMmVetScore(result.response.content ?? "") };
  });
}
