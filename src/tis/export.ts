// Writing normalised records in a fine-tuning format: the thin I/O edge around the pure row builders
// (openai.ts, llamafactory.ts, hf.ts). Images are located first, so a missing one fails the export
// before anything is written (or its record is skipped and counted, with skipMissing). The export
// folder is self-contained: OpenAI lines carry their images inline; LLaMA-Factory and Hugging Face
// exports copy (or link) them under DIR/images/ and name them relative to DIR (export-images.ts).
// Every file is written to a temporary name and renamed into place, so a reader never sees half a
// file; every row is checked against its format's rules before it is written. Beside the data,
// DIR/<name>.export.json records what was exported from what (input sha256, counts, skipped records,
// files and images with sha256).
import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { writeAtomically } from "../atomic-write.ts";
import { DataError, UsageError } from "../errors.ts";
import { packageVersion, sha256, sha256File } from "../provenance.ts";
import { placeImages, type ImageMode, type PlacedImages } from "./export-images.ts";
import { HF_METADATA_FILE, hfRow } from "./hf.ts";
import { locateImages, prepareOpenAiImage, type LocatedRecord, type PreparedImage, type SkippedRecord } from "./images.ts";
import {
  checkLlamaFactoryRow,
  datasetInfoEntry,
  DEEPSPEED_CONFIG,
  deepspeedZero3,
  FINETUNING_METHODS,
  LLAMAFACTORY_BASES,
  llamaFactoryRow,
  trainingYaml,
  yamlFileName,
} from "./llamafactory.ts";
import { checkOpenAiExample, OPENAI_LIMITS, openAiExample, type OpenAiLimits } from "./openai.ts";
import type { TisRecord } from "./record.ts";

export type ExportFormat = "openai" | "llamafactory" | "hf";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["openai", "llamafactory", "hf"];

export interface ExportRequest {
  records: readonly TisRecord[];
  format: ExportFormat;
  outDir: string;
  /** Names the output files and the dataset_info.json entry. */
  name: string;
  /** The folder the records' image paths are relative to. */
  imagesDir: string;
  /** The file the records were read from (named in errors, hashed in the manifest). */
  inputFile: string;
  skipMissing?: boolean;
  /** Records without thinking are written as plain answers, without an empty think block. */
  plainAnswers?: boolean;
  /** openai: scale images whose longest side exceeds this many pixels. */
  maxSide?: number;
  /** openai: start a new .jsonl file before one would exceed this size (default OpenAI's 512 MB). */
  maxFileBytes?: number;
  /** Most pixels an image may have, read from its header (default 50 million): larger ones are never decoded. */
  maxPixels?: number;
  /** llamafactory and hf: copy the images into DIR/images/ (default), link them there, or name their absolute paths. */
  images?: ImageMode;
}

export interface ExportSummary {
  format: ExportFormat;
  name: string;
  records: number;
  rows: number;
  skipped: SkippedRecord[];
  /** Written files, relative to the output folder, the manifest last. */
  files: string[];
  imagesConverted: number;
  /** How the data reaches its images: inline (openai), or copied, linked or absolute, and how many distinct ones. */
  images: { mode: ImageMode | "inline"; count: number };
  warnings: string[];
}

interface WrittenFile {
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function exportRecords(request: ExportRequest): Promise<ExportSummary> {
  if (!NAME.test(request.name)) throw new UsageError(`--name ${JSON.stringify(request.name)}: use letters, digits, ".", "_" and "-" only`);
  const outDir = resolve(request.outDir);
  const { kept, skipped } = await locateImages(request.records, {
    imagesDir: request.imagesDir,
    inputFile: request.inputFile,
    skipMissing: request.skipMissing ?? false,
    ...(request.maxPixels !== undefined && { maxPixels: request.maxPixels }),
  });
  if (kept.length === 0) {
    throw new DataError(
      { file: request.inputFile },
      `no record left to export: all ${request.records.length} have a missing or unusable image (first: ${skipped[0] ? `${skipped[0].missing}: ${skipped[0].problem}` : "none"})`,
      "point --images-dir at the folder the image paths are relative to",
    );
  }
  const imageMode = request.images ?? "copy";
  if (request.format === "hf" && imageMode === "absolute") {
    throw new UsageError("--images absolute: Hugging Face's imagefolder loader refuses image paths outside the export folder; use --images copy (the default) or link");
  }
  await mkdir(outDir, { recursive: true });
  const options = { plainAnswers: request.plainAnswers ?? false };
  const placed = request.format === "openai" ? null : await placeImages(kept, outDir, imageMode, request.inputFile);
  const written =
    request.format === "openai"
      ? await writeOpenAi(kept, outDir, request)
      : request.format === "llamafactory"
        ? await writeLlamaFactory(kept, placed!, outDir, request.name, request.inputFile, options)
        : { files: [await writeJsonl(join(outDir, HF_METADATA_FILE), kept.map((item, i) => JSON.stringify(hfRow(item.record, placed!.byRecord[i]!, options))))], warnings: [], converted: 0 };

  const manifestFile = `${request.name}.export.json`;
  const manifest = {
    format: request.format,
    name: request.name,
    input: request.inputFile,
    input_sha256: sha256File(request.inputFile),
    images_dir: resolve(request.imagesDir),
    records: request.records.length,
    rows: kept.length,
    skipped: skipped.map((s) => ({ row: s.index, id: s.id, missing_image: s.missing, problem: s.problem })),
    options: { plain_answers: options.plainAnswers, max_side: request.maxSide ?? null, skip_missing: request.skipMissing ?? false, images: placed?.mode ?? "inline" },
    images_converted: written.converted,
    files: written.files,
    // The images the data names, by the path it names them (inside the folder unless --images absolute).
    images: placed?.images ?? [],
    warnings: written.warnings,
    thinksafe_version: packageVersion(),
  };
  await writeAtomically(join(outDir, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    format: request.format,
    name: request.name,
    records: request.records.length,
    rows: kept.length,
    skipped,
    files: [...written.files.map((f) => f.file), manifestFile],
    imagesConverted: written.converted,
    images: { mode: placed?.mode ?? "inline", count: placed?.images.length ?? 0 },
    warnings: written.warnings,
  };
}

type Written = { files: WrittenFile[]; warnings: string[]; converted: number };

/**
 * OpenAI JSONL, split into `<name>-i-of-n.jsonl` when one file would pass the size limit or
 * 50,000 examples with images; a single file is `<name>.jsonl`. Lines are streamed, so only a few
 * images are in memory at a time.
 */
async function writeOpenAi(kept: readonly LocatedRecord[], outDir: string, request: ExportRequest): Promise<Written> {
  const limits: OpenAiLimits = { ...OPENAI_LIMITS, maxFileBytes: request.maxFileBytes ?? OPENAI_LIMITS.maxFileBytes };
  const images = new ImageCache((file) =>
    prepareOpenAiImage(file.bytes, file.path, { ...(request.maxSide !== undefined && { maxSide: request.maxSide }), ...(request.maxPixels !== undefined && { maxPixels: request.maxPixels }) }),
  );
  const parts: Array<{ temporary: string; rows: number; imageRows: number; bytes: number; hash: ReturnType<typeof startHash> }> = [];
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  const tag = `${process.pid}-${Date.now()}`;
  try {
    for (const item of kept) {
      const prepared: PreparedImage[] = [];
      for (const file of item.files) prepared.push(await images.get(file));
      const example = openAiExample(item.record, prepared, { plainAnswers: request.plainAnswers ?? false });
      // The object is checked rather than its line: JSON.stringify gives one line that parses back to it.
      const check = checkOpenAiExample(example, limits);
      if (check.problems.length > 0) {
        throw new DataError(
          { file: request.inputFile, row: item.record.index },
          `record ${item.record.id} breaks OpenAI's fine-tuning format: ${check.problems.join("; ")}`,
          "fix or remove the record (or pass --max-side to scale its images down)",
        );
      }
      const bytes = Buffer.from(`${JSON.stringify(example)}\n`);
      const size = bytes.length;
      if (size > limits.maxFileBytes) {
        throw new DataError({ file: request.inputFile, row: item.record.index }, `record ${item.record.id} alone is ${size} bytes, over the file limit of ${limits.maxFileBytes}`, "pass --max-side to scale its images down");
      }
      let part = parts.at(-1);
      const full = part && (part.bytes + size > limits.maxFileBytes || (prepared.length > 0 && part.imageRows >= limits.maxImageExamplesPerFile));
      if (!part || full) {
        await handle?.close();
        part = { temporary: join(outDir, `.${request.name}.part${parts.length + 1}.${tag}.tmp`), rows: 0, imageRows: 0, bytes: 0, hash: startHash() };
        parts.push(part);
        handle = await open(part.temporary, "w");
      }
      await handle!.write(bytes);
      part.hash.update(bytes);
      part.rows++;
      part.bytes += size;
      if (prepared.length > 0) part.imageRows++;
    }
  } catch (error) {
    await handle?.close();
    await Promise.all(parts.map((p) => rm(p.temporary, { force: true })));
    throw error;
  }
  await handle?.close();
  const names = parts.length === 1 ? [`${request.name}.jsonl`] : parts.map((_, i) => `${request.name}-${i + 1}-of-${parts.length}.jsonl`);
  for (const [i, part] of parts.entries()) await rename(part.temporary, join(outDir, names[i]!));
  await removeStaleParts(outDir, request.name, new Set(names));
  const warnings = parts.flatMap((part, i) =>
    part.rows < limits.minExamplesPerFile ? [`${names[i]} has ${part.rows} example${part.rows === 1 ? "" : "s"}; OpenAI needs at least ${limits.minExamplesPerFile} per training file`] : [],
  );
  return {
    files: parts.map((part, i) => ({ file: names[i]!, rows: part.rows, bytes: part.bytes, sha256: part.hash.digest("hex") })),
    warnings,
    converted: images.converted,
  };
}

/** Earlier exports under the same name may have been split differently; their leftover parts would mislead. */
async function removeStaleParts(outDir: string, name: string, keep: Set<string>): Promise<void> {
  const escaped = name.replace(/[.]/g, "\\.");
  const part = new RegExp(`^${escaped}(?:-\\d+-of-\\d+)?\\.jsonl$`);
  for (const entry of await readdir(outDir)) if (part.test(entry) && !keep.has(entry)) await rm(join(outDir, entry), { force: true });
}

/** Prepared images of the last few files: consecutive TiS records often share an image. */
class ImageCache {
  private readonly entries = new Map<string, Promise<PreparedImage>>();
  private readonly convertedFiles = new Set<string>();
  constructor(private readonly prepare: (file: { path: string; bytes: Buffer }) => Promise<PreparedImage>) {}

  async get(path: string): Promise<PreparedImage> {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = readFile(path).then((bytes) => this.prepare({ path, bytes }));
      this.entries.set(path, entry);
      if (this.entries.size > 16) this.entries.delete(this.entries.keys().next().value!);
    }
    const image = await entry;
    if (image.converted) this.convertedFiles.add(path);
    return image;
  }

  get converted(): number {
    return this.convertedFiles.size;
  }
}

async function writeLlamaFactory(kept: readonly LocatedRecord[], placed: PlacedImages, outDir: string, name: string, inputFile: string, options: { plainAnswers: boolean }): Promise<Written> {
  const rows = kept.map((item, i) => {
    const row = llamaFactoryRow(item.record, placed.byRecord[i]!, options);
    const problems = checkLlamaFactoryRow(row, outDir);
    if (problems.length > 0) {
      throw new DataError({ file: inputFile, row: item.record.index }, `record ${item.record.id} makes an unsound LLaMA-Factory row: ${problems.join("; ")}`, "remove literal <image> text from its question or answer");
    }
    return row;
  });
  const dataFile = `${name}.json`;
  const data = await writeFileRecorded(join(outDir, dataFile), `${JSON.stringify(rows, null, 2)}\n`, rows.length);

  const infoPath = join(outDir, "dataset_info.json");
  const info = await readDatasetInfo(infoPath);
  info[name] = datasetInfoEntry(dataFile);
  const sorted = Object.fromEntries(Object.keys(info).sort().map((key) => [key, info[key]]));
  const infoFile = await writeFileRecorded(infoPath, `${JSON.stringify(sorted, null, 2)}\n`, Object.keys(sorted).length);

  const yamls: WrittenFile[] = [];
  for (const base of LLAMAFACTORY_BASES) {
    for (const method of FINETUNING_METHODS) {
      yamls.push(await writeFileRecorded(join(outDir, yamlFileName(name, base, method)), trainingYaml(base, method, { name }), 0));
    }
  }
  const deepspeed = await writeFileRecorded(join(outDir, DEEPSPEED_CONFIG), deepspeedZero3(), 0);
  return { files: [data, infoFile, ...yamls, deepspeed], warnings: [], converted: 0 };
}

/** An existing dataset_info.json keeps its other entries (several sets can share a folder). */
async function readDatasetInfo(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return {};
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new DataError({ file }, "not a JSON object of dataset entries", "fix or delete it; thinksafe adds its entry to it");
}

async function writeJsonl(file: string, lines: readonly string[]): Promise<WrittenFile> {
  return writeFileRecorded(file, lines.map((line) => `${line}\n`).join(""), lines.length);
}

async function writeFileRecorded(file: string, text: string, rows: number): Promise<WrittenFile> {
  await writeAtomically(file, text);
  return { file: basename(file), rows, bytes: Buffer.byteLength(text), sha256: sha256(text) };
}


function startHash() {
  return createHash("sha256");
}
