// MM-Vet's LLM grading (Yu et al., "MM-Vet: Evaluating Large Multimodal Models for Integrated
// Capabilities", 2023), as upstream's evaluator does it: yuweihao/MM-Vet@acde843,
// `mm-vet_evaluator.py`. That code is Apache-2.0 (the repository's LICENSE, since its first commit;
// its README: "The code is under the Apache 2.0 license, and the dataset is under the CC BY-NC 4.0
// license").
//
// MM_VET_GRADER_PROMPT is upstream's few-shot grader prompt (L15–26), reproduced unmodified as data
// (it is the instrument; changing a character changes the scores), by the MM-Vet authors (Weihao Yu
// et al.), under Apache-2.0. Upstream appends, per item, a newline and the table row
// `question | ground truth | prediction | ` (the ground truth with spaces around `<AND>` / `<OR>`,
// L199–212) and sends it as the only user message to gpt-4-0613 with max_tokens 3 at temperature 0
// (L227–232). It reads the reply's text before the first space, stripped, with Python's `float()`,
// as a score in [0, 1] (L238–242, `parseMmVetReply`). When that fails it re-asks with
// "\nPredict the correctness of the answer (digit): " appended, the first re-ask at temperature 0
// and each further one 0.5 higher (L244–270, `mmVetGraderAttempt`), and once five replies have
// failed it records 0.0 (L273–275): its fifth re-ask is sent but its reply is never read, so
// thinksafe does not send it (`MM_VET_READ_REPLIES`). thinksafe sends the requests through its runner
// and cache (src/eval/grade-mm-vet.ts).

import { pythonFloat, pythonStrip } from "./python-text.ts";

/** Upstream's grader prompt, verbatim (see the header for attribution). */
export const MM_VET_GRADER_PROMPT = `Compare the ground truth and prediction from AI models, to give a correctness score for the prediction. <AND> in the ground truth means it is totally right only when all elements in the ground truth are present in the prediction, and <OR> means it is totally right when any one element in the ground truth is present in the prediction. The correctness score is 0.0 (totally wrong), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, or 1.0 (totally right). Just complete the last space of the correctness score.

Question | Ground truth | Prediction | Correctness
--- | --- | --- | ---
What is x in the equation? | -1 <AND> -5 | x = 3 | 0.0
What is x in the equation? | -1 <AND> -5 | x = -1 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 or 5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | 1.0
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme talks about Iceland and Greenland. It's pointing out that despite their names, Iceland is not very icy and Greenland isn't very green. | 0.4
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme is using humor to point out the misleading nature of Iceland's and Greenland's names. Iceland, despite its name, has lush green landscapes while Greenland is mostly covered in ice and snow. The text 'This is why I have trust issues' is a playful way to suggest that these contradictions can lead to distrust or confusion. The humor in this meme is derived from the unexpected contrast between the names of the countries and their actual physical characteristics. | 1.0
`;

/** Upstream's grader settings (gpt-4-0613 in the paper, L227–232); a reasoning judge needs a larger max_tokens. */
export const MM_VET_GRADER_SETTINGS = { temperature: 0, max_tokens: 3 } as const;

/** What the grader needs of an item: its question and ground truth (`reference.answer` of an mm-vet Sample). */
export interface MmVetGradedItem {
  question: string;
  answer: string;
}

/** The grader's chat messages for one item and one model answer, exactly as upstream builds them (L199–214). */
export function mmVetGraderRequest(item: MmVetGradedItem, prediction: string): { messages: Array<{ role: "user"; content: string }> } {
  const groundTruth = item.answer.replaceAll("<AND>", " <AND> ").replaceAll("<OR>", " <OR> ");
  const content = `${MM_VET_GRADER_PROMPT}\n${[item.question, groundTruth, prediction, ""].join(" | ")}`;
  return { messages: [{ role: "user", content }] };
}

/** The text appended to the item's row when upstream re-asks (L257). */
export const MM_VET_REASK_SUFFIX = "\nPredict the correctness of the answer (digit): ";

/** Replies upstream reads before it scores 0.0: the first and four re-asks (L236–275). */
export const MM_VET_READ_REPLIES = 5;

/**
 * The request of `attempt` (0 = the first ask, k = the k-th re-ask) for one item, as upstream sends
 * it: re-asks carry MM_VET_REASK_SUFFIX; the temperature is 0 for the ask and the first re-ask,
 * then 0.5 higher each time (upstream raises it after sending, L262–270).
 */
export function mmVetGraderAttempt(item: MmVetGradedItem, prediction: string, attempt: number): { messages: Array<{ role: "user"; content: string }>; temperature: number; max_tokens: number } {
  if (!Number.isInteger(attempt) || attempt < 0 || attempt >= MM_VET_READ_REPLIES) throw new RangeError(`attempt ${attempt} is not one whose reply upstream reads (0–${MM_VET_READ_REPLIES - 1})`);
  const [message] = mmVetGraderRequest(item, prediction).messages;
  const content = attempt === 0 ? message!.content : `${message!.content}${MM_VET_REASK_SUFFIX}`;
  return { messages: [{ role: "user", content }], temperature: Math.max(0, attempt - 1) * 0.5, max_tokens: MM_VET_GRADER_SETTINGS.max_tokens };
}

/** A grader reply read by upstream's rule: a score (possibly NaN, which upstream's range check lets through), or why not. */
export type MmVetReply = { score: number } | { unread: string };

/**
 * Upstream's reading of a grader reply (L238–242): `float(content.split(" ")[0].strip())`, kept
 * when not above 1.0 nor below 0.0. So "0.6\n" and "1e-1" are scores, "0,5", " 0.5" (the text
 * before the first space is empty) and "Correctness: 0.5" are not, and "nan" is NaN (a reply of
 * null, as an empty message, fails like any unreadable one).
 */
export function parseMmVetReply(content: string | null | undefined): MmVetReply {
  if (typeof content !== "string") return { unread: "the reply has no text" };
  const token = pythonStrip(content.split(" ")[0]!);
  const score = pythonFloat(token);
  if (score === null) return { unread: `float() cannot read ${JSON.stringify(token)}` };
  if (score > 1 || score < 0) return { unread: `${token} is outside [0, 1]` };
  return { score };
}

/** Where upstream's rule stands after the replies read so far. */
export type MmVetStep =
  | { next: "ask"; attempt: number }
  | { next: "done"; score: number; reasks: number; reply: string }
  | { next: "zero"; reasks: number; replies: Array<string | null> };

/**
 * Upstream's decision over an item's replies so far, in order (L225–275): the first reply that
 * reads is the grade (after as many re-asks as replies before it); after MM_VET_READ_REPLIES
 * unreadable replies the grade is 0.0; otherwise the next attempt to send.
 */
export function mmVetStep(replies: ReadonlyArray<string | null>): MmVetStep {
  for (let i = 0; i < Math.min(replies.length, MM_VET_READ_REPLIES); i++) {
    const reply = parseMmVetReply(replies[i]);
    if ("score" in reply) return { next: "done", score: reply.score, reasks: i, reply: replies[i] ?? "" };
  }
  if (replies.length >= MM_VET_READ_REPLIES) return { next: "zero", reasks: MM_VET_READ_REPLIES - 1, replies: replies.slice(0, MM_VET_READ_REPLIES) };
  return { next: "ask", attempt: replies.length };
}

export interface MmVetGrade {
  /** The item's capabilities (upstream `capability`, e.g. ["rec", "ocr"]). */
  capabilities: readonly string[];
  /** The grader's score (upstream's 0.0 included), or null when there is none (grading failed, or a NaN grade). */
  score: number | null;
}

export interface MmVetBucket {
  /** Items in the bucket. */
  items: number;
  /** Items with a score. */
  graded: number;
  /** Items without one: excluded from `score`, never counted as 0. */
  ungraded: number;
  /** 100 × mean score of the graded items; null when none is graded. */
  score: number | null;
}

export interface MmVetSummary {
  total: MmVetBucket;
  /** Per capability (an item counts for each of its capabilities), most frequent first. */
  capabilities: Map<string, MmVetBucket>;
  /** Per capability integration (the item's exact set, sorted and joined by "_"), most frequent first. */
  integrations: Map<string, MmVetBucket>;
}

/**
 * Upstream's aggregation of one grading run: per capability, per capability integration and in
 * total, 100 × sum of scores / items (upstream rounds to 1 decimal for display; this does not).
 * Items without a score are left out of the denominator and counted in `ungraded`; with none, the
 * numbers equal upstream's. Ties in frequency keep first-seen order.
 */
export function aggregateMmVet(grades: readonly MmVetGrade[]): MmVetSummary {
  const total = bucket();
  const capabilities = new Map<string, ReturnType<typeof bucket>>();
  const integrations = new Map<string, ReturnType<typeof bucket>>();
  for (const grade of grades) {
    const caps = [...new Set(grade.capabilities)];
    add(total, grade.score);
    for (const cap of caps) add(getOr(capabilities, cap), grade.score);
    add(getOr(integrations, [...caps].sort().join("_")), grade.score);
  }
  return { total: finish(total), capabilities: finishAll(capabilities), integrations: finishAll(integrations) };
}

/** Several grading runs (upstream's `num_run`, 5 in the paper): the mean of each run's totals and their population standard deviation (numpy's default). */
export function aggregateMmVetRuns(runs: readonly (readonly MmVetGrade[])[]): { mean: number | null; std: number | null; runs: Array<number | null> } {
  const totals = runs.map((run) => aggregateMmVet(run).total.score);
  const known = totals.filter((t): t is number => t !== null);
  if (known.length === 0 || known.length !== totals.length) return { mean: null, std: null, runs: totals };
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  const std = Math.sqrt(known.reduce((a, b) => a + (b - mean) ** 2, 0) / known.length);
  return { mean, std, runs: totals };
}

function bucket() {
  return { items: 0, graded: 0, sum: 0 };
}

function add(b: ReturnType<typeof bucket>, score: number | null): void {
  b.items++;
  if (score !== null) {
    b.graded++;
    b.sum += score;
  }
}

function getOr(map: Map<string, ReturnType<typeof bucket>>, key: string): ReturnType<typeof bucket> {
  let b = map.get(key);
  if (!b) map.set(key, (b = bucket()));
  return b;
}

function finish(b: ReturnType<typeof bucket>): MmVetBucket {
  return { items: b.items, graded: b.graded, ungraded: b.items - b.graded, score: b.graded ? (b.sum / b.graded) * 100 : null };
}

function finishAll(map: Map<string, ReturnType<typeof bucket>>): Map<string, MmVetBucket> {
  const entries = [...map].map(([key, b], order) => ({ key, b, order }));
  entries.sort((x, y) => y.b.items - x.b.items || x.order - y.order);
  return new Map(entries.map(({ key, b }) => [key, finish(b)]));
}
