// The items a TiS build starts from: VLGuard train / SPA-VL / MIS items read from the user's data
// folder (src/benchmarks/training-sets.ts), or a file of the user's own. Every image is read once
// here to check it (PNG or JPEG) and hash it; its bytes are read again only when sent or copied.
//
// A user file is a JSON array or a JSONL file (one object a line) of items:
//   {"id": "a1", "image": "imgs/a.png", "question": "…", "label": "harmful", "category": "privacy", "caption": "…"}
// `image` (or `images`, a list) is relative to the file's folder; `label` is harmful or benign
// (absent or null: unlabelled); `id` defaults to the item's line (JSONL) or position (array);
// `category` and `caption` are optional (a caption is needed with `captioner: {given: true}`).
import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { DataContext } from "../../benchmarks/sample.ts";
import { readTrainingSet, TRAINING_LAYOUT, type TrainingSource } from "../../benchmarks/training-sets.ts";
import { assertInside, isSafeRelativePath } from "../../benchmarks/user-images.ts";
import { readTextFile } from "../../datasets/input.ts";
import { DataError, SampleError, type DataLocation } from "../../errors.ts";
import { checkImage } from "../../models/image-check.ts";
import { sha256 } from "../../provenance.ts";
import type { ResolvedInput, TisBuild } from "./load.ts";
import { harmCategoryOf } from "./safety-spec.ts";

export type ItemLabel = "harmful" | "benign";

export interface BuildImage {
  /** Where the image is read from. */
  file: string;
  /** Its path in the TiS release (`images/<upstream's relative path>`), relative to the output folder. */
  path: string;
  sha256: string;
}

export interface BuildItem {
  /** `<input name>/<source id>`: unique within the build. */
  itemId: string;
  source: ResolvedInput["source"];
  sourceId: string;
  question: string;
  /** What the source says; null when it does not label its items. */
  label: ItemLabel | null;
  /** What the refusal-consistency check holds the answer to: the label, else the input's `unlabelled`. */
  check: ItemLabel | "unchecked";
  sourceCategory: string | null;
  /** The safety specification's category for sourceCategory. */
  harmCategory: string | null;
  images: BuildImage[];
  givenCaption: string | null;
}

const USER_FILE_HELP = 'a JSON array or JSONL of {"id", "image" | "images", "question", "label": "harmful" | "benign", "category"?, "caption"?}';

/** Every input's items, in spec order then file order, with their images checked and hashed. */
export async function loadBuildItems(build: TisBuild, context: DataContext): Promise<BuildItem[]> {
  const items: BuildItem[] = [];
  const hashes = new Map<string, Promise<string>>();
  for (const input of build.inputs) {
    const raw = input.source === "file" ? await readUserItems(input.file!) : await trainingItems(input.source, context);
    const chosen = input.limit === undefined ? raw : raw.slice(0, input.limit);
    for (const item of chosen) {
      if (build.captioner === null && item.caption === null) {
        throw new DataError(item.location, "no caption, and the build's captioner is given: true", "add a caption to every item, or name a captioning model");
      }
      // The release puts one <image> token per image before the question; the question holds none.
      const question = item.question.replace(/<image>\s*/g, "").trim();
      if (question === "") throw new DataError(item.location, "the question holds nothing but <image> placeholders");
      items.push({
        itemId: `${input.label}/${item.sourceId}`,
        source: input.source,
        sourceId: item.sourceId,
        question,
        label: item.label,
        check: item.label ?? input.unlabelled,
        sourceCategory: item.category,
        harmCategory: harmCategoryOf(build.safetySpec, item.category),
        images: await hashImages(item.images, hashes),
        givenCaption: item.caption,
      });
    }
  }
  return items;
}

interface RawItem {
  sourceId: string;
  question: string;
  label: ItemLabel | null;
  category: string | null;
  caption: string | null;
  /** `within`: the folder the image must stay inside once links are resolved. */
  images: { file: string; path: string; within: string }[];
  location: DataLocation;
}

async function trainingItems(source: TrainingSource, context: DataContext): Promise<RawItem[]> {
  const items = await readTrainingSet(source, context);
  const dataDir = context.dataDir!;
  const folder = join(dataDir, TRAINING_LAYOUT[source].images);
  return items.map((item) => ({
    sourceId: item.id,
    question: item.question,
    label: item.harmful === null ? null : item.harmful ? "harmful" : "benign",
    category: item.category,
    caption: null,
    images: item.images.map((image) => ({ file: join(dataDir, image), path: `images/${relative(folder, join(dataDir, image)).split("\\").join("/")}`, within: dataDir })),
    location: { file: join(dataDir, TRAINING_LAYOUT[source].metadata), column: item.id },
  }));
}

/**
 * Each file's sha256, checked to stay inside its folder and to be a PNG or JPEG within the pixel
 * limit (models/image-check.ts): kept images are copied into the output as training data, so a bad
 * one stops the build here, naming it. Images shared by items are read once.
 */
async function hashImages(images: RawItem["images"], hashes: Map<string, Promise<string>>): Promise<BuildImage[]> {
  return Promise.all(
    images.map(async ({ file, path, within }) => {
      let hash = hashes.get(file);
      if (!hash) {
        hash = readCheckedImage(file, within);
        hashes.set(file, hash);
      }
      return { file, path, sha256: await hash };
    }),
  );
}

/** The sha256 of an image checked as hashImages says; its bytes are dropped once hashed. */
async function readCheckedImage(file: string, within: string): Promise<string> {
  await assertInside(file, within);
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new DataError({ file }, error.code === "ENOENT" ? "image not found" : `cannot read image (${error.code ?? String(error)})`);
  });
  try {
    checkImage(bytes, file, { formats: ["png", "jpeg"] });
  } catch (error) {
    // A DataError of the build's input, not of one request.
    if (error instanceof SampleError) throw new DataError(error.location, error.problem, error.fix);
    throw error;
  }
  return sha256(bytes);
}

/** A user file's items; errors name the file, the line (JSONL) or item (array) and the field. */
export async function readUserItems(file: string): Promise<RawItem[]> {
  const text = await readTextFile(file, `give ${USER_FILE_HELP}`);
  const entries: { value: unknown; location: DataLocation; position: number }[] = [];
  if (/\.jsonl$/i.test(file)) {
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        entries.push({ value: JSON.parse(line), location: { file, line: i + 1 }, position: i + 1 });
      } catch (error) {
        throw new DataError({ file, line: i + 1 }, `not valid JSON: ${(error as Error).message}`, USER_FILE_HELP);
      }
    });
  } else {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new DataError({ file }, `not valid JSON: ${(error as Error).message}`, USER_FILE_HELP);
    }
    if (!Array.isArray(data)) throw new DataError({ file }, "expected a JSON array of items", USER_FILE_HELP);
    data.forEach((value, i) => entries.push({ value, location: { file, row: i + 1 }, position: i + 1 }));
  }
  if (entries.length === 0) throw new DataError({ file }, "holds no items", USER_FILE_HELP);
  const folder = dirname(file);
  const seen = new Set<string>();
  return entries.map(({ value, location, position }) => {
    const fail = (column: string, problem: string, fix?: string): never => {
      throw new DataError({ ...location, column }, problem, fix);
    };
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("", "expected an object", USER_FILE_HELP);
    const record = value as Record<string, unknown>;
    const known = ["id", "image", "images", "question", "label", "category", "caption"];
    const unknown = Object.keys(record).find((key) => !known.includes(key));
    if (unknown) fail(unknown, "unknown field", `known fields: ${known.join(", ")}`);
    const text = (field: string, required: boolean): string | null => {
      const v = record[field];
      if (v === undefined || v === null) return required ? fail(field, "missing field") : null;
      if (typeof v !== "string" || v.trim() === "") return fail(field, `expected a non-empty string, found ${JSON.stringify(v)}`);
      return v;
    };
    const rawId = record.id;
    if (rawId !== undefined && !(typeof rawId === "string" && rawId.trim() !== "") && !Number.isSafeInteger(rawId)) fail("id", "expected a string or a whole number");
    const sourceId = rawId === undefined ? String(position) : String(rawId);
    if (seen.has(sourceId)) fail("id", `duplicate id ${sourceId}`, "every item needs its own id");
    seen.add(sourceId);
    if ((record.image === undefined) === (record.images === undefined)) fail("image", "needs exactly one of image or images");
    const paths = record.image !== undefined ? [record.image] : Array.isArray(record.images) ? record.images : fail("images", "expected a list of paths");
    if (paths.length === 0) fail("images", "expected at least one image");
    const images = paths.map((path) => {
      if (typeof path !== "string" || !isSafeRelativePath(path)) {
        return fail(record.image !== undefined ? "image" : "images", `expected a path relative to the file's folder, found ${JSON.stringify(path)}`);
      }
      return { file: join(folder, path), path: `images/${path}`, within: folder };
    });
    const label = record.label ?? null;
    if (label !== null && label !== "harmful" && label !== "benign") fail("label", `expected "harmful" or "benign", found ${JSON.stringify(label)}`);
    return {
      sourceId,
      question: text("question", true)!,
      label: label as ItemLabel | null,
      category: text("category", false),
      caption: text("caption", false),
      images,
      location,
    };
  });
}

/** The bytes of an image, for a request or a copy. */
export function readImageBytes(image: BuildImage): Promise<Buffer> {
  return readFile(image.file);
}
