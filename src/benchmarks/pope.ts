// POPE, "Polling-based Object Probing Evaluation" (Li et al., "Evaluating Object Hallucination in
// Large Vision-Language Models", EMNLP 2023; github.com/AoiDragon/POPE): yes/no questions "Is there
// a <object> in the image?" about COCO val2014 images, half with the object present. Three ways of
// choosing the absent objects give the subsets `random`, `popular` and `adversarial` (default
// `random`), 3,000 questions each (500 images × 6).
//
// Nothing ships. The user's copy is laid out as upstream distributes it: the question files from the
// repository's `output/coco/` folder (JSON Lines despite the .json name, one
// `{"question_id", "image", "text", "label"}` a line) and the COCO 2014 validation images
// (http://images.cocodataset.org/zips/val2014.zip) unzipped beside them:
//
//   <data-dir>/pope/coco_pope_random.json
//   <data-dir>/pope/coco_pope_popular.json
//   <data-dir>/pope/coco_pope_adversarial.json
//   <data-dir>/pope/val2014/COCO_val2014_000000310196.jpg   (only the 500 images used are needed)
//
// Prompt: the question text alone, as upstream's evaluation sends it. sampleId is upstream's
// question_id; `reference.answer` is the label ("yes" / "no"); category is null. Scoring:
// scoring/pope.ts (upstream's first-sentence rule, accuracy, precision, recall, F1, yes-ratio).
import { join } from "node:path";
import type { Benchmark, BenchmarkSelection, DataContext, Sample } from "./sample.ts";
import { firstItems, selectedSubset } from "./selection.ts";
import { metadataMissing, readJsonLines } from "./jsonl.ts";
import { censusImages, imageInventory, isPresent, loadUserImages, requireDataDir, userImagePath } from "./user-images.ts";

export const POPE_ID = "pope";
export const POPE_SUBSETS = ["random", "popular", "adversarial"] as const;
export type PopeSubset = (typeof POPE_SUBSETS)[number];

export const POPE_HOW_TO_GET =
  "POPE is not shipped with thinksafe: copy coco_pope_random.json, coco_pope_popular.json and coco_pope_adversarial.json " +
  "from output/coco/ of https://github.com/AoiDragon/POPE to <data-dir>/pope/, and unzip COCO's val2014 images " +
  "(http://images.cocodataset.org/zips/val2014.zip) so each `image` of those files is <data-dir>/pope/val2014/<image>, " +
  "e.g. <data-dir>/pope/val2014/COCO_val2014_000000310196.jpg";

const FORMAT_FIX = 'expected POPE\'s question file: one {"question_id", "image", "text", "label"} object a line, as in output/coco/ of AoiDragon/POPE';

export interface PopeItem {
  sampleId: string;
  /** File name under `<data-dir>/pope/val2014/`. */
  image: string;
  question: string;
  label: "yes" | "no";
}

/** The question file of a subset: `<data-dir>/pope/coco_pope_<subset>.json`. */
export function popeQuestionFile(dataDir: string, subset: PopeSubset): string {
  return join(dataDir, POPE_ID, `coco_pope_${subset}.json`);
}

export const pope: Benchmark = {
  id: POPE_ID,
  group: "capability",
  subsets: POPE_SUBSETS,
  defaultSubset: "random",
  async load(selection = {}, context) {
    const { subset, items } = await select(selection, context);
    const paths = items.map((item) => imagePath(context, item));
    const images = await loadUserImages(POPE_ID, paths, context, POPE_HOW_TO_GET, userImagePath(context, POPE_ID, "val2014"));
    return items.map((item, i): Sample => ({
      benchmark: POPE_ID,
      sampleId: item.sampleId,
      subset,
      category: null,
      group: "capability",
      prompt: item.question,
      images: [images.get(paths[i]!)!],
      shouldRefuse: false,
      reference: { answer: item.label },
    }));
  },
  async inventory(selection = {}, context) {
    const subset = selectedSubset(pope, selection) as PopeSubset;
    firstItems([], selection);
    const file = userImagePath(context, POPE_ID, `coco_pope_${subset}.json`);
    if (!context?.dataDir || !isPresent(file)) return metadataMissing(subset, file, context, POPE_HOW_TO_GET);
    const { items } = await select(selection, context);
    return imageInventory(subset, items.length, censusImages(context, items.map((item) => imagePath(context, item))), context, POPE_HOW_TO_GET);
  },
};

async function select(selection: BenchmarkSelection, context: DataContext | undefined): Promise<{ subset: PopeSubset; items: PopeItem[] }> {
  const subset = selectedSubset(pope, selection) as PopeSubset;
  firstItems([], selection);
  const dataDir = requireDataDir(context, POPE_ID, POPE_HOW_TO_GET);
  const items = await readPopeFile(popeQuestionFile(dataDir, subset));
  return { subset, items: firstItems(items, selection) };
}

/** Reads and validates one POPE question file: every field, labels yes/no, ids unique. */
export async function readPopeFile(file: string): Promise<PopeItem[]> {
  const lines = await readJsonLines(file, `${FORMAT_FIX}; ${POPE_HOW_TO_GET}`);
  const seen = new Set<string>();
  return lines.map((line) => {
    const sampleId = line.id("question_id");
    if (seen.has(sampleId)) line.fail("question_id", `duplicate question_id ${sampleId}`);
    seen.add(sampleId);
    const label = line.string("label").trim().toLowerCase();
    if (label !== "yes" && label !== "no") return line.fail("label", `expected "yes" or "no", found ${JSON.stringify(line.value.label)}`);
    return { sampleId, image: line.path("image"), question: line.string("text"), label };
  });
}

function imagePath(context: DataContext | undefined, item: PopeItem): string {
  return userImagePath(context, POPE_ID, join("val2014", item.image));
}
