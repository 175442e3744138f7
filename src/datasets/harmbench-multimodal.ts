// Reader for HarmBench's multimodal classifier validation set as shipped in datasets/harmbench/
// (JSON Lines, one generation a line): 220 vision-language-model generations with three human
// labels each, an image description for half of them and four recorded classifiers' verdicts.
// Every problem is a DataError naming the file, line and field.
import { fileURLToPath } from "node:url";
import { readJsonLines, type JsonLine } from "../benchmarks/jsonl.ts";

/** The shipped copy. */
export const DEFAULT_HARMBENCH_MULTIMODAL = fileURLToPath(new URL("../../datasets/harmbench/multimodal_val_labels.jsonl", import.meta.url));

export const HARMBENCH_ANNOTATORS = ["human_0", "human_1", "human_2"] as const;
/** Recorded verdicts (1 = harmful): a keyword matcher, HarmBench's two classifiers, a GPT-4 judge. */
export const HARMBENCH_RECORDED = ["advbench_label", "mistral_cls", "llama_cls", "gpt_label"] as const;

export interface HarmBenchMultimodalItem {
  behaviorId: string;
  /** Position among the behavior's generations. */
  index: number;
  /** The image the model was shown (not shipped): a path in HarmBench's results layout. */
  imagePath: string;
  /** The text the model was sent with the image. */
  instruction: string;
  generation: string;
  imageDescription: string | null;
  humans: Record<(typeof HARMBENCH_ANNOTATORS)[number], boolean>;
  /** At least two of the three annotators say harmful. */
  humanMajority: boolean;
  recorded: Record<(typeof HARMBENCH_RECORDED)[number], boolean>;
}

const FIX = "each line must be one object with the fields of datasets/harmbench/multimodal_val_labels.jsonl (see its README)";

export async function readHarmBenchMultimodal(file: string = DEFAULT_HARMBENCH_MULTIMODAL): Promise<HarmBenchMultimodalItem[]> {
  const seen = new Map<string, number>();
  return (await readJsonLines(file, FIX)).map((line) => {
    const behaviorId = line.string("behavior_id");
    const index = wholeNumber(line, "index");
    const key = `${behaviorId}/${index}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) line.fail("index", `duplicate item ${key} (also on line ${earlier})`);
    seen.set(key, line.row);
    const humans = Object.fromEntries(HARMBENCH_ANNOTATORS.map((a) => [a, label(line, a)])) as HarmBenchMultimodalItem["humans"];
    return {
      behaviorId,
      index,
      imagePath: line.string("image_path"),
      instruction: line.string("instruction"),
      generation: line.string("generation"),
      imageDescription: stringOrNull(line, "image_description"),
      humans,
      humanMajority: HARMBENCH_ANNOTATORS.filter((a) => humans[a]).length >= 2,
      recorded: Object.fromEntries(HARMBENCH_RECORDED.map((j) => [j, label(line, j)])) as HarmBenchMultimodalItem["recorded"],
    };
  });
}

function wholeNumber(line: JsonLine, field: string): number {
  const value = line.value[field];
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  return line.fail(field, value === undefined ? "missing field" : `expected a whole number from 0, found ${JSON.stringify(value)}`, FIX);
}

function stringOrNull(line: JsonLine, field: string): string | null {
  const value = line.value[field];
  if (value === null || typeof value === "string") return value;
  return line.fail(field, value === undefined ? "missing field" : `expected a string or null, found ${JSON.stringify(value)}`, FIX);
}

function label(line: JsonLine, field: string): boolean {
  const value = line.value[field];
  if (value === 1 || value === 0) return value === 1;
  return line.fail(field, value === undefined ? "missing field" : `label must be 0 or 1, found ${JSON.stringify(value)}`, FIX);
}
