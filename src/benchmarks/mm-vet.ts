// MM-Vet (Yu et al., "MM-Vet: Evaluating Large Multimodal Models for Integrated Capabilities",
// ICML 2024; github.com/yuweihao/MM-Vet): 218 open-ended questions on 200 images, each tagged with
// the capabilities it needs (rec, ocr, know, gen, spat, math). Answers are graded 0.0–1.0 by an
// LLM with upstream's few-shot prompt (scoring/mm-vet.ts). One subset, `test`.
//
// Nothing ships (the dataset is CC BY-NC 4.0 since yuweihao/MM-Vet@756f191, non-commercial). The
// user's copy is upstream's release zip (https://github.com/yuweihao/MM-Vet/releases/download/v1/mm-vet.zip)
// unzipped as is:
//
//   <data-dir>/mm-vet/mm-vet.json      {"v1_0": {"imagename": "v1_0.png", "capability": ["ocr", "math"],
//                                        "question": "…", "answer": "…"}, …}
//   <data-dir>/mm-vet/images/v1_0.png …
//
// Prompt: the question alone, as upstream's inference scripts send it. sampleId is the key (`v1_0`);
// `reference.answer` is the ground truth (with upstream's `<AND>` / `<OR>`); category is the
// capabilities in file order joined by "," (`mmVetCapabilities` splits it back).
import { join } from "node:path";
import { readTextFile } from "../datasets/input.ts";
import { DataError } from "../errors.ts";
import type { Benchmark, BenchmarkSelection, DataContext, Sample } from "./sample.ts";
import { firstItems, selectedSubset } from "./selection.ts";
import { metadataMissing } from "./jsonl.ts";
import { censusImages, imageInventory, isObject, isPresent, JsonItem, loadUserImages, requireDataDir, userImagePath } from "./user-images.ts";

export const MM_VET_ID = "mm-vet";
export const MM_VET_FILE = "mm-vet.json";

export const MM_VET_HOW_TO_GET =
  "MM-Vet is not shipped with thinksafe: download mm-vet.zip (https://github.com/yuweihao/MM-Vet/releases/download/v1/mm-vet.zip, " +
  "CC BY-NC 4.0, non-commercial) and unzip it into <data-dir>/ so that <data-dir>/mm-vet/mm-vet.json and <data-dir>/mm-vet/images/v1_0.png exist";

export interface MmVetItem {
  sampleId: string;
  /** File name under `<data-dir>/mm-vet/images/`. */
  image: string;
  capabilities: string[];
  question: string;
  answer: string;
}

export const mmVet: Benchmark = {
  id: MM_VET_ID,
  group: "capability",
  subsets: ["test"],
  defaultSubset: "test",
  async load(selection = {}, context) {
    const { subset, items } = await select(selection, context);
    const paths = items.map((item) => imagePath(context, item));
    const images = await loadUserImages(MM_VET_ID, paths, context, MM_VET_HOW_TO_GET, userImagePath(context, MM_VET_ID, "images"));
    return items.map((item, i): Sample => ({
      benchmark: MM_VET_ID,
      sampleId: item.sampleId,
      subset,
      category: item.capabilities.join(","),
      group: "capability",
      prompt: item.question,
      images: [images.get(paths[i]!)!],
      shouldRefuse: false,
      reference: { answer: item.answer },
    }));
  },
  async inventory(selection = {}, context) {
    const subset = selectedSubset(mmVet, selection);
    firstItems([], selection);
    const file = userImagePath(context, MM_VET_ID, MM_VET_FILE);
    if (!context?.dataDir || !isPresent(file)) return metadataMissing(subset, file, context, MM_VET_HOW_TO_GET);
    const { items } = await select(selection, context);
    return imageInventory(subset, items.length, censusImages(context, items.map((item) => imagePath(context, item))), context, MM_VET_HOW_TO_GET);
  },
};

/** The capabilities of an mm-vet Sample (its category split on ","). */
export function mmVetCapabilities(sample: Pick<Sample, "category">): string[] {
  return sample.category ? sample.category.split(",") : [];
}

async function select(selection: BenchmarkSelection, context: DataContext | undefined): Promise<{ subset: string; items: MmVetItem[] }> {
  const subset = selectedSubset(mmVet, selection);
  firstItems([], selection);
  const dataDir = requireDataDir(context, MM_VET_ID, MM_VET_HOW_TO_GET);
  const items = await readMmVetFile(join(dataDir, MM_VET_ID, MM_VET_FILE));
  return { subset, items: firstItems(items, selection) };
}

/** Reads and validates mm-vet.json: an object of items keyed by id, in file order. */
export async function readMmVetFile(file: string): Promise<MmVetItem[]> {
  const text = await readTextFile(file, MM_VET_HOW_TO_GET);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DataError({ file }, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`, MM_VET_HOW_TO_GET);
  }
  if (!isObject(data)) throw new DataError({ file }, "expected a JSON object of items keyed by id (v1_0, v1_1, …)", MM_VET_HOW_TO_GET);
  const entries = Object.entries(data);
  if (entries.length === 0) throw new DataError({ file }, "the object holds no items", MM_VET_HOW_TO_GET);
  return entries.map(([id, value], i) => {
    if (!isObject(value)) throw new DataError({ file, row: i + 1, column: id }, "expected an object");
    const item = new JsonItem(file, i + 1, value);
    const capabilities = item.array("capability");
    if (capabilities.length === 0 || !capabilities.every((c): c is string => typeof c === "string" && c.trim() !== "" && !c.includes(","))) {
      item.fail("capability", "expected a non-empty array of capability names (rec, ocr, know, gen, spat, math)");
    }
    const image = item.path("imagename");
    return { sampleId: id, image, capabilities: capabilities as string[], question: item.string("question"), answer: item.string("answer") };
  });
}

function imagePath(context: DataContext | undefined, item: MmVetItem): string {
  return userImagePath(context, MM_VET_ID, join("images", item.image));
}
