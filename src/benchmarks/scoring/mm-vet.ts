// MM-Vet's LLM grading (Yu et al., "MM-Vet: Evaluating Large Multimodal Models for Integrated
// Capabilities", 2023; github.com/yuweihao/MM-Vet, `mm-vet_evaluator.py`).
//
// MM_VET_GRADER_PROMPT is upstream's few-shot grader prompt, reproduced verbatim as data (it is the
// instrument; changing a character changes the scores), with attribution: by the MM-Vet authors
// (Weihao Yu et al.), from `mm-vet_evaluator.py` of github.com/yuweihao/MM-Vet. License: the
// repository's LICENSE_DATASET gives ImageNet-like non-commercial research terms for the dataset;
// no separate code license was found in the stored copy, so check the repository before any
// commercial use of this prompt. Upstream appends, per item, a
// newline and the table row `question | ground truth | prediction | ` (the ground truth with
// spaces around `<AND>` / `<OR>`), sends it as the only user message to gpt-4-0613 at temperature
// 0 with max_tokens 3, and reads the first space-separated token of the reply as a float in
// [0, 1]. When that fails it re-asks (with "Predict the correctness of the answer (digit): "
// appended and the temperature raised by 0.5) and after five failures records 0.0.
//
// thinksafe sends the request through its own runner (`mmVetGraderRequest`), parses the reply more
// robustly (`parseMmVetScore`: the first number anywhere, if in [0, 1]) and never turns an
// unreadable reply into 0: it is `unparsed`, counted and reported apart by `aggregateMmVet`.

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

/** Upstream's grader settings (gpt-4-0613 in the paper); a reasoning judge needs a larger max_tokens. */
export const MM_VET_GRADER_SETTINGS = { temperature: 0, max_tokens: 3 } as const;

/** What the grader needs of an item: its question and ground truth (`reference.answer` of an mm-vet Sample). */
export interface MmVetGradedItem {
  question: string;
  answer: string;
}

/** The grader's chat messages for one item and one model answer, exactly as upstream builds them. */
export function mmVetGraderRequest(item: MmVetGradedItem, prediction: string): { messages: Array<{ role: "user"; content: string }> } {
  const groundTruth = item.answer.replaceAll("<AND>", " <AND> ").replaceAll("<OR>", " <OR> ");
  const content = `${MM_VET_GRADER_PROMPT}\n${[item.question, groundTruth, prediction, ""].join(" | ")}`;
  return { messages: [{ role: "user", content }] };
}

export type MmVetScore = { score: number } | { unparsed: true; text: string; reason: string };

/**
 * The grader's score: the first number in the reply (`0.7`, `.7`, `1`, `1.0`, after any words),
 * accepted when it lies in [0, 1]. No number, or a first number outside [0, 1] (`7/10`, `85`), is
 * `unparsed`, never 0.
 */
export function parseMmVetScore(text: string): MmVetScore {
  const match = /(?<![\d.])-?(?:\d+(?:\.\d*)?|\.\d+)/.exec(text);
  if (!match) return { unparsed: true, text, reason: "no number in the reply" };
  const score = Number(match[0]);
  if (!(score >= 0 && score <= 1)) return { unparsed: true, text, reason: `the first number, ${match[0]}, is outside [0, 1]` };
  return { score };
}

export interface MmVetGrade {
  /** The item's capabilities (upstream `capability`, e.g. ["rec", "ocr"]). */
  capabilities: readonly string[];
  /** The grader's score, or null when the reply was unparsed (or grading failed). */
  score: number | null;
}

export interface MmVetBucket {
  /** Items in the bucket. */
  items: number;
  /** Items with a score. */
  graded: number;
  /** Items without one: excluded from `score`, never counted as 0. */
  unparsed: number;
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
 * Unparsed items are left out of the denominator and counted in `unparsed`; with none, the numbers
 * equal upstream's. Ties in frequency keep first-seen order.
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
  return { items: b.items, graded: b.graded, unparsed: b.items - b.graded, score: b.graded ? (b.sum / b.graded) * 100 : null };
}

function finishAll(map: Map<string, ReturnType<typeof bucket>>): Map<string, MmVetBucket> {
  const entries = [...map].map(([key, b], order) => ({ key, b, order }));
  entries.sort((x, y) => y.b.items - x.b.items || x.order - y.order);
  return new Map(entries.map(({ key, b }) => [key, finish(b)]));
}
