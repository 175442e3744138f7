// MMStar (Chen et al., "Are We on the Right Way for Evaluating Large Vision-Language Models?",
// 2024; github.com/MMStar-Benchmark/MMStar): 1,500 multiple-choice questions that need the image,
// 250 for each of 6 core capabilities (18 fine-grained ones). One subset, `val` (upstream's split
// name on Hugging Face, Lin-Chen/MMStar).
//
// Nothing ships. Upstream distributes Parquet (mmstar.parquet) and a VLMEvalKit TSV with base64
// images, so thinksafe reads a plain export of the Hugging Face dataset: one JSON object a line
// with upstream's columns and the image saved beside it, e.g. with Python's `datasets`:
//   ds = load_dataset("Lin-Chen/MMStar", split="val")
//   for row in ds: row["image"].save(f"images/{row['index']}.jpg") and write a line
//   {"index", "question", "answer", "category", "l2_category", "image": "images/<index>.jpg"}
//
//   <data-dir>/mmstar/mmstar.jsonl
//   <data-dir>/mmstar/images/0.jpg …      (PNG or JPEG; the path is the line's `image` field)
//
// The question text carries its options inline ("…?\nOptions: A: …, B: …, C: …, D: …"); they are
// parsed into `reference.options` when that line is present. Prompt: the question (trimmed) then
// "\nAnswer with the option's letter from the given choices directly.", the instruction MMStar's
// own evaluation (its VLMEvalKit fork) and lmms-eval's `mmstar` task append for multiple choice.
// sampleId is upstream's `index`; category is `<category>(<l2_category>)`, the key format of
// upstream's score file. Scoring: scoring/multiple-choice.ts (`mmstarCorrect`, upstream's rule).
import { join } from "node:path";
import type { Benchmark, BenchmarkSelection, DataContext, Sample } from "./sample.ts";
import { firstItems, selectedSubset } from "./selection.ts";
import { metadataMissing, readJsonLines } from "./jsonl.ts";
import { censusImages, imageInventory, isPresent, loadUserImages, requireDataDir, userImagePath } from "./user-images.ts";

export const MMSTAR_ID = "mmstar";
export const MMSTAR_FILE = "mmstar.jsonl";
export const MMSTAR_INSTRUCTION = "Answer with the option's letter from the given choices directly.";

export const MMSTAR_HOW_TO_GET =
  "MMStar is not shipped with thinksafe: export the Hugging Face dataset Lin-Chen/MMStar (split val; upstream has Parquet only) " +
  "to <data-dir>/mmstar/mmstar.jsonl, one JSON object a line with index, question, answer, category, l2_category and image " +
  "(the image saved as a file, its path relative to <data-dir>/mmstar/, e.g. images/0.jpg)";

export interface MmstarItem {
  sampleId: string;
  question: string;
  answer: string;
  category: string;
  l2Category: string;
  /** Path under `<data-dir>/mmstar/`. */
  image: string;
  /** Parsed from the question's "Options:" line; null when it has none. */
  options: Record<string, string> | null;
}

export const mmstar: Benchmark = {
  id: MMSTAR_ID,
  group: "capability",
  subsets: ["val"],
  defaultSubset: "val",
  async load(selection = {}, context) {
    const { subset, items } = await select(selection, context);
    const paths = items.map((item) => imagePath(context, item));
    const images = await loadUserImages(MMSTAR_ID, paths, context, MMSTAR_HOW_TO_GET, userImagePath(context, MMSTAR_ID, "images"));
    return items.map((item, i): Sample => {
      const sample: Sample = {
        benchmark: MMSTAR_ID,
        sampleId: item.sampleId,
        subset,
        category: `${item.category}(${item.l2Category})`,
        group: "capability",
        prompt: mmstarPrompt(item.question),
        images: [images.get(paths[i]!)!],
        shouldRefuse: false,
        reference: item.options ? { answer: item.answer, options: item.options } : { answer: item.answer },
      };
      return sample;
    });
  },
  async inventory(selection = {}, context) {
    const subset = selectedSubset(mmstar, selection);
    firstItems([], selection);
    const file = userImagePath(context, MMSTAR_ID, MMSTAR_FILE);
    if (!context?.dataDir || !isPresent(file)) return metadataMissing(subset, file, context, MMSTAR_HOW_TO_GET);
    const { items } = await select(selection, context);
    return imageInventory(subset, items.length, censusImages(context, items.map((item) => imagePath(context, item))), context, MMSTAR_HOW_TO_GET);
  },
};

/** The prompt: the question with its inline options, then the answer-format instruction. */
export function mmstarPrompt(question: string): string {
  return `${question.trim()}\n${MMSTAR_INSTRUCTION}`;
}

/**
 * The options of an MMStar question, from its last "Options:" line (`A: text, B: text, …`, letters
 * in order from A); null when there is no such line or it does not parse.
 */
export function parseMmstarOptions(question: string): Record<string, string> | null {
  const at = question.lastIndexOf("Options:");
  if (at === -1) return null;
  const text = question.slice(at + "Options:".length).trim();
  if (!text.startsWith("A:")) return null;
  const options: Record<string, string> = {};
  let letter = "A";
  let start = 2;
  for (;;) {
    const next = String.fromCharCode(letter.charCodeAt(0) + 1);
    const separator = text.indexOf(`, ${next}:`, start);
    if (separator === -1) {
      options[letter] = text.slice(start).trim();
      break;
    }
    options[letter] = text.slice(start, separator).trim();
    letter = next;
    start = separator + `, ${next}:`.length;
  }
  const count = Object.keys(options).length;
  return count >= 2 && Object.values(options).every((value) => value !== "") ? options : null;
}

async function select(selection: BenchmarkSelection, context: DataContext | undefined): Promise<{ subset: string; items: MmstarItem[] }> {
  const subset = selectedSubset(mmstar, selection);
  firstItems([], selection);
  const dataDir = requireDataDir(context, MMSTAR_ID, MMSTAR_HOW_TO_GET);
  const items = await readMmstarFile(join(dataDir, MMSTAR_ID, MMSTAR_FILE));
  return { subset, items: firstItems(items, selection) };
}

/** Reads and validates the export: every field, the answer a letter (one of the options when they parse), ids unique. */
export async function readMmstarFile(file: string): Promise<MmstarItem[]> {
  const lines = await readJsonLines(file, MMSTAR_HOW_TO_GET);
  const seen = new Set<string>();
  return lines.map((line) => {
    const sampleId = line.id("index");
    if (seen.has(sampleId)) line.fail("index", `duplicate index ${sampleId}`);
    seen.add(sampleId);
    const question = line.string("question");
    const answer = line.string("answer").trim();
    if (!/^[A-Z]$/.test(answer)) line.fail("answer", `expected an option letter, found ${JSON.stringify(answer)}`);
    const options = parseMmstarOptions(question);
    if (options && !Object.hasOwn(options, answer)) {
      line.fail("answer", `"${answer}" is not one of the question's options ${Object.keys(options).join(", ")}`);
    }
    return { sampleId, question, answer, category: line.string("category"), l2Category: line.string("l2_category"), image: line.path("image"), options };
  });
}

function imagePath(context: DataContext | undefined, item: MmstarItem): string {
  return userImagePath(context, MMSTAR_ID, item.image);
}
