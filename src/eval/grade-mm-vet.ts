// MM-Vet's scoring: each answer graded by an LLM judge behind any OpenAI-compatible endpoint with
// upstream's few-shot prompt and upstream's rule (src/benchmarks/scoring/mm-vet.ts): the reply's
// first token read by Python's float(), re-asked while unreadable, 0.0 after five unreadable
// replies. Every request goes through the runner and cache like model requests: a re-ask is its own
// cache key (with its attempt index), so it is never answered from the cache with the reply it
// re-asks, and a regrade with the same judge, prompt and answers asks nothing.
import { canonicalJson } from "../canonical.ts";
import { MM_VET_GRADER_PROMPT, MM_VET_READ_REPLIES, mmVetGraderAttempt, mmVetStep } from "../benchmarks/scoring/mm-vet.ts";
import { sha256 } from "../provenance.ts";
import type { ResponseCache } from "../runner/cache.ts";
import { runWork, type Endpoint, type WorkItem } from "../runner/run.ts";

/** Changes whenever the grader's prompt does; part of every grader request's cache key and recorded beside every grade. */
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

/**
 * One answer's grade. `reasks`: re-asks sent (0–4). `graded`: a reply read as a score (NaN when the
 * grader said "nan", which upstream accepts); `zero`: upstream's 0.0 after five unreadable replies
 * (`replies` holds them); `failed`: a request failed (after the runner's retries), no grade.
 */
export type MmVetGraded = { sampleId: string; grader: string; reasks: number } & (
  | { outcome: "graded"; score: number; reply: string }
  | { outcome: "zero"; score: 0; replies: string[] }
  | { outcome: "failed"; error: string }
);

/** The cache key of an attempt: the first ask keeps the key it always had, re-asks add their index. */
function attemptKey(judge: MmVetJudge, body: object, attempt: number): string {
  return sha256(canonicalJson({ purpose: MM_VET_GRADER_VERSION, endpoint: judge.endpointIdentity, body, ...(attempt > 0 && { attempt }) }));
}

export async function gradeMmVet(answers: readonly MmVetAnswer[], judge: MmVetJudge, cache: ResponseCache, timeoutMs = 60_000): Promise<MmVetGraded[]> {
  const grader = `${judge.model}/${MM_VET_GRADER_VERSION}`;
  const replies: Array<Array<string | null>> = answers.map(() => []);
  const failed = new Map<number, string>();
  // Round k sends attempt k of every answer still without a grade, so answers are graded in parallel.
  for (let round = 0; round < MM_VET_READ_REPLIES; round++) {
    const pending = answers.flatMap((_, i) => (!failed.has(i) && mmVetStep(replies[i]!).next === "ask" ? [i] : []));
    if (pending.length === 0) break;
    const items: WorkItem[] = pending.map((i) => {
      const a = answers[i]!;
      const body = { model: judge.model, ...mmVetGraderAttempt({ question: a.question, answer: a.reference }, a.answer, round) };
      return { key: attemptKey(judge, body, round), endpoint: judge.endpoint.id, body: () => body };
    });
    const results = await runWork(items, [judge.endpoint], { cache, timeoutMs, maxAttempts: 6 });
    results.forEach((result, k) => {
      const i = pending[k]!;
      if (result.ok) replies[i]!.push(result.response.content ?? null);
      else failed.set(i, `${result.errorKind}: ${result.error}`);
    });
  }
  return answers.map((answer, i): MmVetGraded => {
    const base = { sampleId: answer.sampleId, grader };
    const error = failed.get(i);
    if (error !== undefined) return { ...base, reasks: replies[i]!.length, outcome: "failed", error }; // the failed request was attempt replies.length
    const step = mmVetStep(replies[i]!);
    if (step.next === "done") return { ...base, reasks: step.reasks, outcome: "graded", score: step.score, reply: step.reply };
    if (step.next === "zero") return { ...base, reasks: step.reasks, outcome: "zero", score: 0, replies: step.replies.map((r) => r ?? "") };
    throw new Error(`MM-Vet grading of ${answer.sampleId} stopped before a grade`); // unreachable: five rounds read five replies
  });
}
