// Where records come from, for the CLI: a TiS release file (images relative to a folder, by default
// the file's own), or a baseline set from the user's data folder (images relative to that folder).
import { dirname, join, resolve } from "node:path";
import { readTrainingSet, TRAINING_LAYOUT, type TrainingSource } from "../benchmarks/training-sets.ts";
import type { DataContext } from "../benchmarks/sample.ts";
import { requireDataDir } from "../benchmarks/user-images.ts";
import type { TisRecord } from "./record.ts";
import { baselineRecords, readTisRelease } from "./release.ts";

export interface RecordInput {
  records: TisRecord[];
  /** The file read (named in errors, hashed in outputs). */
  inputFile: string;
  /** The folder the records' image paths are relative to. */
  imagesDir: string;
  /** The default output name. */
  name: string;
}

export async function releaseInput(file: string, imagesDir?: string): Promise<RecordInput> {
  const inputFile = resolve(file);
  return { records: await readTisRelease(inputFile), inputFile, imagesDir: resolve(imagesDir ?? dirname(inputFile)), name: "tis" };
}

/** A baseline set; its images are checked at export (so --skip-missing applies), not here. */
export async function baselineInput(source: TrainingSource, context: DataContext): Promise<RecordInput> {
  const items = await readTrainingSet(source, context, { checkImages: false });
  const dataDir = requireDataDir(context, source, "");
  const inputFile = join(dataDir, TRAINING_LAYOUT[source].metadata);
  return { records: baselineRecords(items, inputFile), inputFile, imagesDir: dataDir, name: source };
}
