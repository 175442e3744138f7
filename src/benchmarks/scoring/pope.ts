// POPE's official scoring (AoiDragon/POPE@08d957b, evaluate.py L12–21, MIT; LLaVA's eval_pope.py is
// the same code), decision-identical on the differential fixture (differential/official.test.ts):
// keep the text before the first ".", drop commas, split on single spaces, and the answer is "no"
// when one of the words is exactly `No`, `no` or `not`, otherwise "yes" (an empty or evasive
// answer counts as yes). "yes" is the positive class: precision, recall, F1, accuracy and the
// share of "yes" answers.

export type YesNo = "yes" | "no";

/** The answer POPE's evaluate script reads in `text`. */
export function popeAnswer(text: string): YesNo {
  const dot = text.indexOf(".");
  const firstSentence = dot === -1 ? text : text.slice(0, dot);
  const words = firstSentence.replaceAll(",", "").split(" ");
  return words.some((word) => word === "No" || word === "no" || word === "not") ? "no" : "yes";
}

export interface PopeMetrics {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  total: number;
  accuracy: number | null;
  /** TP / (TP + FP); null when nothing was answered "yes" (upstream divides by zero). */
  precision: number | null;
  /** TP / (TP + FN); null when no label is "yes". */
  recall: number | null;
  /** 2PR / (P + R); null when either is null or both are 0. */
  f1: number | null;
  /** Share of "yes" predictions. */
  yesRatio: number | null;
}

/** The confusion counts and metrics of predictions against labels, "yes" positive. */
export function popeMetrics(pairs: ReadonlyArray<{ prediction: YesNo; label: YesNo }>): PopeMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const { prediction, label } of pairs) {
    if (prediction === "yes") label === "yes" ? tp++ : fp++;
    else label === "no" ? tn++ : fn++;
  }
  const total = pairs.length;
  const precision = tp + fp ? tp / (tp + fp) : null;
  const recall = tp + fn ? tp / (tp + fn) : null;
  const f1 = precision !== null && recall !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
  return {
    tp,
    fp,
    tn,
    fn,
    total,
    accuracy: total ? (tp + tn) / total : null,
    precision,
    recall,
    f1,
    yesRatio: total ? (tp + fp) / total : null,
  };
}

/** Scores raw answers: each through `popeAnswer`, then `popeMetrics`. */
export function scorePope(rows: ReadonlyArray<{ response: string; label: YesNo }>): PopeMetrics {
  return popeMetrics(rows.map(({ response, label }) => ({ prediction: popeAnswer(response), label })));
}
