// MMMU (Yue et al., "MMMU: A Massive Multi-discipline Multimodal Understanding and Reasoning
// Benchmark for Expert AGI", CVPR 2024; github.com/MMMU-Benchmark/MMMU): college-exam questions in
// 30 subjects. Subset `validation`: 900 items (30 per subject), mostly multiple choice (options
// A, B, …), some open (a short answer). Questions and options refer to their images as
// `<image 1>` … `<image 7>`.
//
// Nothing ships. Upstream distributes Parquet only (Hugging Face MMMU/MMMU, one config per
// subject), so thinksafe reads a plain export: one JSON object a line with upstream's columns,
// each image saved as a file and its column holding the file's path (null when absent), e.g. with
// Python's `datasets`, for each of the 30 subjects' `validation` split:
//   for k in 1..7: row[f"image_{k}"].save(f"images/{row['id']}_{k}.png") if it is set
//   then write {"id", "question", "options", "answer", "question_type", "subfield", "img_type",
//   "topic_difficulty", "image_1": "images/<id>_1.png", …, "image_7": null}
//
//   <data-dir>/mmmu/validation.jsonl
//   <data-dir>/mmmu/images/validation_Accounting_1_1.png …
//
// `options` may be a JSON array or upstream's own string form (a Python list literal,
// "['$6', '$7']"); `answer` a letter, an open answer, or a Python list literal of either.
//
// Prompt: upstream's `construct_prompt` with its released config (configs/llava1.5.yaml): multiple
// choice "<question>\n\n(A) <option>\n(B) <option>\n\n\nAnswer with the option's letter from the
// given choices directly." (every option line ends in "\n", then the format's "\n\n"); open
// "<question>\n\nAnswer the question using a single word or phrase.". The `<image k>` placeholders
// stay in the text. Images: those the question and options refer to, in order of k (as lmms-eval
// does; upstream's own LLaVA script sends image_1 only); an item that refers to none sends all it
// has. sampleId is upstream's `id`; category is the subject (from the id, `validation_<Subject>_<n>`).
// Scoring: scoring/mmmu.ts.
import { join } from "node:path";
import type { Benchmark, BenchmarkSelection, DataContext, Sample } from "./sample.ts";
import { firstItems, selectedSubset } from "./selection.ts";
import { metadataMissing, readJsonLines, type JsonLine } from "./jsonl.ts";
import { goldAnswers, parsePythonStringList } from "./scoring/mmmu.ts";
import { censusImages, imageInventory, isPresent, isSafeRelativePath, loadUserImages, requireDataDir, userImagePath } from "./user-images.ts";

export const MMMU_ID = "mmmu";
export const MMMU_MULTI_CHOICE_INSTRUCTION = "Answer with the option's letter from the given choices directly.";
export const MMMU_OPEN_INSTRUCTION = "Answer the question using a single word or phrase.";
const MAX_IMAGES = 7;

export const MMMU_HOW_TO_GET =
  "MMMU is not shipped with thinksafe: export the validation split of the 30 subject configs of the Hugging Face dataset MMMU/MMMU " +
  "(upstream has Parquet only) to <data-dir>/mmmu/validation.jsonl, one JSON object a line with id, question, options, answer, " +
  "question_type and image_1 … image_7, each image saved as a file and its field holding the path relative to <data-dir>/mmmu/ " +
  "(e.g. images/validation_Accounting_1_1.png) or null";

export interface MmmuItem {
  sampleId: string;
  subject: string;
  question: string;
  questionType: "multiple-choice" | "open";
  /** Option texts in order (A, B, …); empty for open questions. */
  options: string[];
  answer: string;
  /** The image paths under `<data-dir>/mmmu/` to send, in order. */
  images: string[];
}

export const mmmu: Benchmark = {
  id: MMMU_ID,
  group: "capability",
  subsets: ["validation"],
  defaultSubset: "validation",
  async load(selection = {}, context) {
    const { subset, items } = await select(selection, context);
    const paths = items.map((item) => item.images.map((image) => userImagePath(context, MMMU_ID, image)));
    const images = await loadUserImages(MMMU_ID, paths.flat(), context, MMMU_HOW_TO_GET, userImagePath(context, MMMU_ID, "images"));
    return items.map((item, i): Sample => ({
      benchmark: MMMU_ID,
      sampleId: item.sampleId,
      subset,
      category: item.subject,
      group: "capability",
      prompt: mmmuPrompt(item),
      images: paths[i]!.map((path) => images.get(path)!),
      shouldRefuse: false,
      reference: item.questionType === "multiple-choice" ? { answer: item.answer, options: letteredOptions(item.options) } : { answer: item.answer },
    }));
  },
  async inventory(selection = {}, context) {
    const subset = selectedSubset(mmmu, selection);
    firstItems([], selection);
    const file = userImagePath(context, MMMU_ID, `${subset}.jsonl`);
    if (!context?.dataDir || !isPresent(file)) return metadataMissing(subset, file, context, MMMU_HOW_TO_GET);
    const { items } = await select(selection, context);
    const census = censusImages(context, items.flatMap((item) => item.images.map((image) => userImagePath(context, MMMU_ID, image))));
    return imageInventory(subset, items.length, census, context, MMMU_HOW_TO_GET);
  },
};

/** Options keyed A, B, … in order. */
export function letteredOptions(options: readonly string[]): Record<string, string> {
  return Object.fromEntries(options.map((text, i) => [String.fromCharCode(65 + i), text]));
}

/** Upstream's prompt for an item (see the header). */
export function mmmuPrompt(item: Pick<MmmuItem, "question" | "questionType" | "options">): string {
  if (item.questionType === "open") return `${item.question}\n\n${MMMU_OPEN_INSTRUCTION}`;
  const lines = item.options.map((option, i) => `(${String.fromCharCode(65 + i)}) ${option}\n`).join("");
  return `${item.question}\n\n${lines}\n\n${MMMU_MULTI_CHOICE_INSTRUCTION}`;
}

/** The image numbers `<image k>` placeholders refer to in the texts, distinct and ascending. */
export function referencedImages(texts: readonly string[]): number[] {
  const numbers = new Set<number>();
  for (const text of texts) for (const match of text.matchAll(/<image (\d+)>/g)) numbers.add(Number(match[1]));
  return [...numbers].sort((a, b) => a - b);
}

async function select(selection: BenchmarkSelection, context: DataContext | undefined): Promise<{ subset: string; items: MmmuItem[] }> {
  const subset = selectedSubset(mmmu, selection);
  firstItems([], selection);
  const dataDir = requireDataDir(context, MMMU_ID, MMMU_HOW_TO_GET);
  const items = await readMmmuFile(join(dataDir, MMMU_ID, `${subset}.jsonl`));
  return { subset, items: firstItems(items, selection) };
}

/** Reads and validates an export: every field the prompt and scoring use, ids unique, every referenced image given. */
export async function readMmmuFile(file: string): Promise<MmmuItem[]> {
  const lines = await readJsonLines(file, MMMU_HOW_TO_GET);
  const seen = new Set<string>();
  return lines.map((line) => {
    const sampleId = line.string("id");
    if (seen.has(sampleId)) line.fail("id", `duplicate id ${sampleId}`);
    seen.add(sampleId);
    const question = line.string("question");
    const type = line.string("question_type");
    if (type !== "multiple-choice" && type !== "open") return line.fail("question_type", `expected "multiple-choice" or "open", found ${JSON.stringify(type)}`);
    const options = optionList(line);
    const answer = line.string("answer");
    if (type === "multiple-choice") {
      if (options.length < 2) line.fail("options", `a multiple-choice question needs at least two options, found ${options.length}`);
      const letters = Object.keys(letteredOptions(options));
      const bad = goldAnswers(answer).filter((letter) => !letters.includes(letter));
      if (bad.length) line.fail("answer", `${JSON.stringify(answer)} is not one of the option letters ${letters.join(", ")}`);
    }
    return { sampleId, subject: subjectOf(sampleId), question, questionType: type, options, answer, images: imageList(line, [question, ...options]) };
  });
}

function optionList(line: JsonLine): string[] {
  const value = line.value.options;
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : typeof value === "string" ? parsePythonStringList(value) : null;
  if (!list || !list.every((option): option is string => typeof option === "string")) {
    return line.fail("options", "expected a JSON array of strings or upstream's Python list literal (\"['a', 'b']\")");
  }
  return list;
}

function imageList(line: JsonLine, texts: string[]): string[] {
  const present = new Map<number, string>();
  for (let k = 1; k <= MAX_IMAGES; k++) {
    const value = line.value[`image_${k}`];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || !isSafeRelativePath(value)) line.fail(`image_${k}`, "expected the image file's path relative to <data-dir>/mmmu/, or null");
    present.set(k, value);
  }
  const referenced = referencedImages(texts);
  for (const k of referenced) {
    if (!present.has(k)) line.fail(`image_${k}`, `the question refers to <image ${k}> but image_${k} is ${k > MAX_IMAGES ? "not a column" : "empty"}`);
  }
  const chosen = referenced.length ? referenced : [...present.keys()];
  if (chosen.length === 0) line.fail("image_1", "the item has no image");
  return chosen.map((k) => present.get(k)!);
}

/** `validation_Art_Theory_12` → `Art_Theory`. */
export function subjectOf(id: string): string {
  const match = /^[a-z]+_(.+)_\d+$/.exec(id);
  return match ? match[1]! : id;
}
