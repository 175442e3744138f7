// Readers for the safety fine-tuning sets the paper compares TiS with: VLGuard's training split,
// SPA-VL and MIS. Plain readers, not Benchmarks: each returns question–answer items with their
// images' paths (relative to the data folder, so a training-set builder can copy or link them) and
// whether the request is harmful when the source says so. Nothing of these sets ships with
// thinksafe; everything is read from the user's copy under `<data-dir>/`:
//
// - VLGuard train (`vlguard-train`; Zong et al. 2024, Hugging Face ys-zong/VLGuard, train.json +
//   train.zip). Format verified: the same items as test.json (see vlguard.ts).
//     <data-dir>/vlguard/train.json
//     <data-dir>/vlguard/train/<image>        train.zip unzipped (bad_ads/…, HOD/…, privacyAlert/…, hatefulMemes/…)
//   A safe image gives two items, `<id>/safe_safe` (harmful false) and `<id>/safe_unsafe` (harmful
//   true); an unsafe image one, `<id>/unsafe` (harmful true). The answer is upstream's `response`;
//   category its `harmful_category` (null for safe images).
//
// - SPA-VL (`spa-vl`; Zhang et al. 2024, Hugging Face sqrti/SPA-VL, CC-BY-4.0). Upstream ships
//   Parquet with the images embedded; its training code (github.com/EchoseChen/SPA-VL-RLHF, README
//   "Prepare training dataset") takes a JSON export with the images as files, and that is the format
//   read here (verified from that README): a JSON array of {id, image, question, chosen, rejected},
//   `image` a path such as "Representation & ToxicityHarms/Unfair/racial/170.jpg" (harm domain /
//   category / subcategory / file).
//     <data-dir>/spa-vl/train.json
//     <data-dir>/spa-vl/images/<image>
//   The answer is `chosen` (the preferred response); category the image's folder (the three-level
//   harm taxonomy, as TiS's SPA-VL image paths use it), null when the path has no folder; harmful
//   null (SPA-VL does not label single questions).
//
// - MIS (`mis`; Ding et al. 2025, "Rethinking Bottlenecks in Safety Fine-Tuning of Vision Language
//   Models", Hugging Face Tuwhy/mis): two images per item. The training file's format could not be
//   verified here; the reader is designed from the verified MIS test files ({id, question, category,
//   sub_category, image_path1, image_path2}, Tuwhy/MIS_Test) and accepts either
//     {id, question, answer, image_path1, image_path2, category?, sub_category?}   or
//     {id, image | images: [paths], conversations: [{from: "human", value}, {from: "gpt", value}], category?}
//   (the LLaVA / InternVL multi-image fine-tuning format; `<image>` placeholders are stripped from
//   the question). A missing id is the item's 1-based position.
//     <data-dir>/mis/mis_train.json
//     <data-dir>/mis/<image path>
//   category is `category`, null when absent; harmful null.
//
// Missing metadata files and (unless `checkImages: false`) missing images are DataErrors naming them.
import { dirname, join } from "node:path";
import { DataError } from "../errors.ts";
import type { DataContext } from "./sample.ts";
import {
  assertNoneMissing,
  censusImages,
  isObject,
  isPresent,
  isSafeRelativePath,
  type JsonItem,
  readJsonItems,
  requireDataDir,
} from "./user-images.ts";
import { readVlguardFile, VLGUARD_ID, VLGUARD_PARTS } from "./vlguard.ts";

export type TrainingSource = "vlguard-train" | "spa-vl" | "mis";
export const TRAINING_SOURCES: readonly TrainingSource[] = ["vlguard-train", "spa-vl", "mis"];

export interface TrainingItem {
  source: TrainingSource;
  /** Unique within the source. */
  id: string;
  /** The item's images, relative to the data folder (`vlguard/train/bad_ads/….png`). */
  images: string[];
  question: string;
  answer: string;
  /** Whether the request is harmful, when the source says; null when it does not. */
  harmful: boolean | null;
  category: string | null;
}

export interface TrainingReadOptions {
  /** Check that every image exists (reading none); default true. */
  checkImages?: boolean;
}

/** Where each source's metadata file lives under the data folder, and the folder its image paths are relative to. */
export const TRAINING_LAYOUT: Record<TrainingSource, { metadata: string; images: string }> = {
  "vlguard-train": { metadata: "vlguard/train.json", images: "vlguard/train" },
  "spa-vl": { metadata: "spa-vl/train.json", images: "spa-vl/images" },
  mis: { metadata: "mis/mis_train.json", images: "mis" },
};

/** Where each source comes from and where it goes, for errors. */
export const TRAINING_HOW_TO_GET: Record<TrainingSource, string> = {
  "vlguard-train":
    "download train.json and train.zip from the Hugging Face dataset ys-zong/VLGuard (https://huggingface.co/datasets/ys-zong/VLGuard); " +
    "put train.json at <data-dir>/vlguard/train.json and unzip train.zip so each image path of train.json is under <data-dir>/vlguard/train/",
  "spa-vl":
    "export the Hugging Face dataset sqrti/SPA-VL (https://huggingface.co/datasets/sqrti/SPA-VL) to the JSON format of SPA-VL's training code " +
    "(github.com/EchoseChen/SPA-VL-RLHF: [{id, image, question, chosen, rejected}]) at <data-dir>/spa-vl/train.json, " +
    "with each image saved as <data-dir>/spa-vl/images/<image>",
  mis:
    "download the MIS training set from the Hugging Face dataset Tuwhy/mis (https://huggingface.co/datasets/Tuwhy/mis) and put it at " +
    "<data-dir>/mis/mis_train.json ({id, question, answer, image_path1, image_path2} items, or LLaVA-style {image: [..], conversations} items), " +
    "with its images under <data-dir>/mis/ as its paths name them",
};

/** The items of one training source from the user's data folder, in file order. */
export async function readTrainingSet(source: TrainingSource, context: DataContext | undefined, options: TrainingReadOptions = {}): Promise<TrainingItem[]> {
  const howToGet = TRAINING_HOW_TO_GET[source];
  const dataDir = requireDataDir(context, source, howToGet);
  const { metadata, images } = TRAINING_LAYOUT[source];
  const file = join(dataDir, metadata);
  const items =
    source === "vlguard-train" ? await vlguardTrainItems(file) : source === "spa-vl" ? await spaVlItems(file) : await misItems(file);
  if (options.checkImages ?? true) {
    const census = censusImages(context, items.flatMap((item) => item.images.map((image) => join(dataDir, image))));
    assertNoneMissing(source, census, howToGet, join(dataDir, images));
  }
  return items;
}

export const readVlguardTrain = (context: DataContext | undefined, options?: TrainingReadOptions) => readTrainingSet("vlguard-train", context, options);
export const readSpaVl = (context: DataContext | undefined, options?: TrainingReadOptions) => readTrainingSet("spa-vl", context, options);
export const readMis = (context: DataContext | undefined, options?: TrainingReadOptions) => readTrainingSet("mis", context, options);

/** VLGuard's train.json: each image's instruction–response pairs, safe-safe then safe-unsafe per safe image. */
async function vlguardTrainItems(file: string): Promise<TrainingItem[]> {
  // readVlguardFile's own advice speaks of the shipped test.json; a missing train.json needs the download.
  if (!isPresent(file)) throw new DataError({ file }, "file not found", TRAINING_HOW_TO_GET["vlguard-train"]);
  const images = await readVlguardFile(file);
  return images.flatMap((image, i) =>
    VLGUARD_PARTS.filter((part) => image.instructions[part]).map((part): TrainingItem => {
      const { instruction, response } = image.instructions[part]!;
      if (response.trim() === "") {
        throw new DataError({ file, row: i + 1, column: "instr-resp" }, `the ${part} instruction has no response`, "training items need upstream's response");
      }
      return {
        source: "vlguard-train",
        id: `${image.id}/${part}`,
        images: [join(VLGUARD_ID, "train", image.image)],
        question: instruction,
        answer: response,
        harmful: part !== "safe_safe",
        category: image.harmfulCategory,
      };
    }),
  );
}

async function spaVlItems(file: string): Promise<TrainingItem[]> {
  const rows = await readJsonItems(file, TRAINING_HOW_TO_GET["spa-vl"]);
  const seen = new Set<string>();
  return rows.map((row) => {
    const id = uniqueId(row, row.id("id"), seen);
    const image = row.path("image");
    const folder = dirname(image);
    return {
      source: "spa-vl",
      id,
      images: [join(TRAINING_LAYOUT["spa-vl"].images, image)],
      question: row.string("question"),
      answer: row.string("chosen"),
      harmful: null,
      category: folder === "." ? null : folder,
    };
  });
}

async function misItems(file: string): Promise<TrainingItem[]> {
  const rows = await readJsonItems(file, TRAINING_HOW_TO_GET.mis);
  const seen = new Set<string>();
  return rows.map((row) => {
    const id = uniqueId(row, row.value.id === undefined ? String(row.row) : row.id("id"), seen);
    const { images, question, answer } = "conversations" in row.value ? misConversation(row) : misFields(row);
    const category = row.value.category;
    if (category !== undefined && category !== null && typeof category !== "string") row.fail("category", "expected a string");
    return {
      source: "mis",
      id,
      images: images.map((image) => join(TRAINING_LAYOUT.mis.images, image)),
      question,
      answer,
      harmful: null,
      category: typeof category === "string" && category.trim() !== "" ? category : null,
    };
  });
}

function misFields(row: JsonItem): { images: string[]; question: string; answer: string } {
  return { images: [row.path("image_path1"), row.path("image_path2")], question: row.string("question"), answer: row.string("answer") };
}

function misConversation(row: JsonItem): { images: string[]; question: string; answer: string } {
  const field = "images" in row.value ? "images" : "image";
  const list = row.array(field);
  if (list.length === 0) row.fail(field, "expected at least one image path");
  const images = list.map((path, j) => {
    if (typeof path !== "string" || !isSafeRelativePath(path)) {
      return row.fail(field, `entry ${j + 1} must be a relative path inside the data folder, found ${JSON.stringify(path)}`);
    }
    return path;
  });
  const turns = row.array("conversations");
  const human = turns.findIndex((turn) => isObject(turn) && (turn.from === "human" || turn.from === "user"));
  const reply = turns.findIndex((turn, i) => i > human && isObject(turn) && (turn.from === "gpt" || turn.from === "assistant"));
  if (human < 0) row.fail("conversations", 'no turn from "human"');
  if (reply < 0) row.fail("conversations", 'no "gpt" turn after the question');
  const text = (turn: unknown, what: string): string => {
    const value = (turn as Record<string, unknown>).value;
    if (typeof value !== "string" || value.trim() === "") return row.fail("conversations", `the ${what}'s value must be a non-empty string`);
    return value;
  };
  const question = text(turns[human], "question").replace(/<image>\s*/g, "").trim();
  if (question === "") row.fail("conversations", "the question holds nothing but <image> placeholders");
  return { images, question, answer: text(turns[reply], "answer") };
}

function uniqueId(row: JsonItem, id: string, seen: Set<string>): string {
  if (seen.has(id)) row.fail("id", `duplicate id ${id}`);
  seen.add(id);
  return id;
}
