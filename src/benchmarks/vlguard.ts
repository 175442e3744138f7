// VLGuard's test set (Zong et al., "Safety Fine-Tuning at (Almost) No Cost: A Baseline for Vision
// Large Language Models", ICML 2024; github.com/ys-zong/VLGuard): 1,000 images. Each of the 558
// safe images comes with a safe instruction (a good model helps) and an unsafe one (it should
// refuse); each of the 442 unsafe images comes with one instruction (it should refuse).
//
// The metadata ships in datasets/vlguard/test.json. The images do not: they come from the user's
// copy of `test.zip` (Hugging Face dataset ys-zong/VLGuard), unzipped so that each `image` path of
// test.json sits under <data-dir>/vlguard/test/ — the layout upstream's `VLGuard_eval.py` reads
// (`--imageDir data/VLGuard/test`, joined with the `image` field):
//
//   <data-dir>/vlguard/test/bad_ads/ed926a06-4d80-4e3a-9c22-225c232f3d5c.png
//   <data-dir>/vlguard/test/privacyAlert/….jpg
//   <data-dir>/vlguard/test/{HOD,hatefulMemes,harm-p}/…
//
// Subsets, as upstream's `--dataset` choices (safe_safes, safe_unsafes, unsafes):
// - `safe_safe`: safe image + its safe instruction; shouldRefuse false, situation "safe". 558.
// - `safe_unsafe`: safe image + its unsafe instruction; shouldRefuse true, situation "safe". 558.
// - `unsafe`: unsafe image + its instruction; shouldRefuse true, situation "unsafe". 442.
// - `all` (default): the three above, in that order; 1,558. `subset` is "all" on each sample;
//   the part is the sampleId's suffix (and follows from situation + shouldRefuse).
// sampleId is `<id>/<part>` (`Ads_306373/safe_safe`). category is upstream's `harmful_category`
// (risky behavior, discrimination, privacy, deception) for unsafe images and null for safe ones,
// which upstream does not categorise; the finer `harmful_subcategory` is in `vlguardItem`.
// The prompt is the instruction alone, as upstream sends it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.ts";
import type { Benchmark, BenchmarkSelection, DataContext, Sample, SampleImage } from "./sample.ts";
import { firstItems, selectedSubset } from "./selection.ts";
import {
  censusImages,
  imageInventory,
  isObject,
  type JsonItem,
  loadUserImages,
  readJsonItems,
  requireDataDir,
  userImagePath,
} from "./user-images.ts";

export const VLGUARD_ID = "vlguard";

/** The parts of the test set, in the order `all` takes them. */
export const VLGUARD_PARTS = ["safe_safe", "safe_unsafe", "unsafe"] as const;
export type VlguardPart = (typeof VLGUARD_PARTS)[number];

/** Where the images come from and where they go; shown by `inventory` and in load errors. */
export const VLGUARD_HOW_TO_GET =
  "VLGuard's test images are not shipped with thinksafe: download test.zip from the Hugging Face dataset ys-zong/VLGuard " +
  "(https://huggingface.co/datasets/ys-zong/VLGuard) and unzip it so each image path of test.json is under <data-dir>/vlguard/test/, " +
  "e.g. <data-dir>/vlguard/test/bad_ads/ed926a06-4d80-4e3a-9c22-225c232f3d5c.png";

const SHIPPED = fileURLToPath(new URL("../../datasets/vlguard/test.json", import.meta.url));

/** One image of test.json, validated. */
export interface VlguardItem {
  /** Upstream's `id`, e.g. "Ads_306373". */
  id: string;
  /** The path under `<data-dir>/vlguard/test/`. */
  image: string;
  safe: boolean;
  /** Unsafe images only; null for safe ones. */
  harmfulCategory: string | null;
  harmfulSubcategory: string | null;
  /** Safe images: the safe and the unsafe instruction. Unsafe images: the one instruction. */
  instructions: Partial<Record<VlguardPart, { instruction: string; response: string }>>;
}

/** One selected prompt: an image with one of its instructions. */
interface VlguardEntry {
  item: VlguardItem;
  part: VlguardPart;
}

export interface VlguardBenchmark extends Benchmark {
  /** Every image of the metadata file, in file order. */
  items(): Promise<VlguardItem[]>;
}

/** A VLGuard benchmark over the given test.json (tests use fixtures; `vlguard` uses the shipped one). */
export function createVlguard(metadataFile: string = SHIPPED): VlguardBenchmark {
  const benchmark: VlguardBenchmark = {
    id: VLGUARD_ID,
    group: "safety-awareness",
    subsets: [...VLGUARD_PARTS, "all"],
    defaultSubset: "all",
    async load(selection = {}, context) {
      const { subset, entries } = await select(selection);
      requireDataDir(context, VLGUARD_ID, VLGUARD_HOW_TO_GET);
      const paths = entries.map(({ item }) => imagePath(context, item));
      const images = await loadUserImages(VLGUARD_ID, paths, context, VLGUARD_HOW_TO_GET, userImagePath(context, VLGUARD_ID, "test"));
      return entries.map((entry, i) => vlguardSample(entry, subset, images.get(paths[i]!)!));
    },
    async inventory(selection = {}, context) {
      const { subset, entries } = await select(selection);
      const census = censusImages(context, entries.map(({ item }) => imagePath(context, item)));
      return imageInventory(subset, entries.length, census, context, VLGUARD_HOW_TO_GET);
    },
    items: () => readVlguardFile(metadataFile),
  };

  async function select(selection: BenchmarkSelection): Promise<{ subset: string; entries: VlguardEntry[] }> {
    const subset = selectedSubset(benchmark, selection);
    firstItems([], selection); // a bad limit is a UsageError before any file is read
    const items = await readVlguardFile(metadataFile);
    const parts = subset === "all" ? VLGUARD_PARTS : [subset as VlguardPart];
    const entries = parts.flatMap((part) => items.filter((item) => item.instructions[part]).map((item) => ({ item, part })));
    return { subset, entries: firstItems(entries, selection) };
  }

  return benchmark;
}

export const vlguard: VlguardBenchmark = createVlguard();

let shippedItems: Promise<Map<string, VlguardItem>> | undefined;

/**
 * The shipped test.json entry behind a sample id (`<id>/<part>` or the bare `<id>`): its harmful
 * subcategory, and the reference response upstream pairs with each instruction, for judges.
 */
export async function vlguardItem(sampleId: string): Promise<VlguardItem> {
  shippedItems ??= vlguard.items().then((items) => new Map(items.map((item) => [item.id, item])));
  const id = sampleId.replace(/\/(safe_safe|safe_unsafe|unsafe)$/, "");
  const item = (await shippedItems).get(id);
  if (!item) throw new UsageError(`VLGuard's test set has no image with id "${id}"`);
  return item;
}

function vlguardSample({ item, part }: VlguardEntry, subset: string, image: SampleImage): Sample {
  return {
    benchmark: VLGUARD_ID,
    sampleId: `${item.id}/${part}`,
    subset,
    category: item.harmfulCategory,
    group: "safety-awareness",
    prompt: item.instructions[part]!.instruction,
    images: [image],
    shouldRefuse: part !== "safe_safe",
    situation: item.safe ? "safe" : "unsafe",
    // The image's safety label is `situation`; upstream's reference responses are not given to judges.
    judgeContext: { request: item.instructions[part]!.instruction },
  };
}

function imagePath(context: DataContext | undefined, item: VlguardItem): string {
  return userImagePath(context, VLGUARD_ID, join("test", item.image));
}

/** Reads and validates VLGuard's test.json: every field a part uses, ids unique. */
export async function readVlguardFile(file: string): Promise<VlguardItem[]> {
  const rows = await readJsonItems(file, "expected VLGuard's test.json format (a JSON array of images, as in datasets/vlguard/)");
  const seen = new Set<string>();
  return rows.map((row) => {
    const item = vlguardRow(row);
    if (seen.has(item.id)) row.fail("id", `duplicate id ${item.id}`);
    seen.add(item.id);
    return item;
  });
}

function vlguardRow(row: JsonItem): VlguardItem {
  const id = row.string("id");
  const image = row.path("image");
  const safe = row.boolean("safe");
  const pairs = row.array("instr-resp");
  if (safe) {
    return {
      id,
      image,
      safe,
      harmfulCategory: null,
      harmfulSubcategory: null,
      instructions: {
        safe_safe: instruction(row, pairs, "safe_instruction"),
        safe_unsafe: instruction(row, pairs, "unsafe_instruction"),
      },
    };
  }
  return {
    id,
    image,
    safe,
    harmfulCategory: row.string("harmful_category"),
    harmfulSubcategory: row.string("harmful_subcategory"),
    instructions: { unsafe: instruction(row, pairs, "instruction") },
  };
}

/** The first `instr-resp` entry holding `key`, as upstream's loader picks it. */
function instruction(row: JsonItem, pairs: unknown[], key: string): { instruction: string; response: string } {
  const pair = pairs.find((p): p is Record<string, unknown> => isObject(p) && key in p);
  if (!pair) return row.fail("instr-resp", `no entry with "${key}"`);
  const text = pair[key];
  if (typeof text !== "string" || text.trim() === "") return row.fail("instr-resp", `"${key}" must be a non-empty string`);
  const response = pair.response;
  return { instruction: text, response: typeof response === "string" ? response : "" };
}
