// `thinksafe tis …`: Think in Safety data. Each subcommand is one function in TIS_SUBCOMMANDS, which
// adds itself to the `tis` group; `tis build` (./tis-build.ts) is added there the same way.
import { dirname, join, resolve } from "node:path";
import { mkdir } from "node:fs/promises";
import { type Command, Option } from "commander";
import { dataContext } from "../benchmarks/data-dir.ts";
import { TRAINING_SOURCES, type TrainingSource } from "../benchmarks/training-sets.ts";
import { UsageError } from "../errors.ts";
import { baselineInput, EXPORT_FORMATS, exportRecords, releaseInput, writeRecordsParquet, type ExportFormat, type RecordInput, type TisRecord } from "../tis/index.ts";
import { IMAGE_MODES, IMAGES_FOLDER, type ImageMode } from "../tis/export-images.ts";
import type { Io, Outcome } from "./outcome.ts";
import { tisBuildSubcommand } from "./tis-build.ts";

/** Adds one subcommand; `outcome` sets the exit code when a command finishes but partly failed. */
export type TisSubcommand = (tis: Command, io: Io, outcome: Outcome) => void;

const TIS_SUBCOMMANDS: readonly TisSubcommand[] = [importSubcommand, exportSubcommand, tisBuildSubcommand];

/** Adds the `tis` command group and its subcommands to the CLI. */
export function tisCommand(cli: Command, io: Io, outcome: Outcome): Command {
  const tis = cli.command("tis").description("Think in Safety (TiS): import the release and the baseline sets, export them for fine-tuning.");
  for (const add of TIS_SUBCOMMANDS) add(tis, io, outcome);
  return tis;
}

interface InputOptions {
  imagesDir?: string;
  source?: TrainingSource;
  dataDir?: string;
}

const inputOptions = (command: Command) =>
  command
    .argument("[input]", "a TiS release file (train_data.json: LLaMA-Factory sharegpt records)")
    .option("--images-dir <dir>", "folder the release's image paths are relative to (default: the input file's folder)")
    .addOption(new Option("--source <set>", "a baseline set instead of a release file, read from --data-dir").choices([...TRAINING_SOURCES]))
    .option("--data-dir <dir>", "folder with your copies of the baseline sets (default: $THINKSAFE_DATA_DIR)");

/** Records from exactly one of INPUT or --source. */
async function readInput(input: string | undefined, options: InputOptions): Promise<RecordInput> {
  if ((input === undefined) === (options.source === undefined)) {
    throw new UsageError("give either a TiS release file (INPUT) or --source vlguard-train|spa-vl|mis, not both or neither");
  }
  if (input !== undefined) {
    if (options.dataDir) throw new UsageError("--data-dir goes with --source; for a release file, image paths resolve under --images-dir");
    return releaseInput(input, options.imagesDir);
  }
  if (options.imagesDir) throw new UsageError("--images-dir goes with a release file; a baseline set's images are under --data-dir");
  return baselineInput(options.source!, dataContext(options.dataDir));
}

function importSubcommand(tis: Command, io: Io): void {
  inputOptions(tis.command("import"))
    .description("Read a TiS release file (or a baseline set) into normalised records: thinking and answer split, source, category, refusal.")
    .requiredOption("--out <file>", "Parquet file to write (one row per record; same input, same bytes)")
    .action(async (input: string | undefined, options: InputOptions & { out: string }) => {
      const loaded = await readInput(input, options);
      const out = resolve(options.out);
      await mkdir(dirname(out), { recursive: true });
      await writeRecordsParquet(loaded.records, out, loaded.inputFile);
      io.out(`imported ${count(loaded.records.length, "record")} (${loaded.name}) → ${out}`);
      io.out(`  thinking: ${tally(loaded.records, (r) => r.thinkingFormat)}`);
      io.out(`  images from: ${tally(loaded.records, (r) => r.source)}`);
      io.out(`  answers opening with a refusal: ${loaded.records.filter((r) => r.isRefusal).length} of ${loaded.records.length}`);
    });
}

interface ExportOptions extends InputOptions {
  format: ExportFormat;
  out: string;
  name?: string;
  skipMissing: boolean;
  plainAnswers: boolean;
  maxSide?: number;
  maxFileMb?: number;
  maxMegapixels?: number;
  images: ImageMode;
}

function exportSubcommand(tis: Command, io: Io): void {
  inputOptions(tis.command("export"))
    .description("Write records for fine-tuning into a self-contained folder: OpenAI chat JSONL (images inline), LLaMA-Factory data + dataset_info.json + training YAMLs, or a Hugging Face imagefolder (metadata.jsonl), with the images under OUT/images/.")
    .addOption(new Option("--format <format>", "output format").choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .requiredOption("--out <dir>", "output folder")
    .option("--name <name>", "dataset name: output file names and the dataset_info.json entry (default: tis, or the baseline set's id)")
    .option("--skip-missing", "leave out records whose image is missing or unusable (not an image, a link out of the folder, too many pixels), and report them, instead of failing", false)
    .option("--plain-answers", "write records without thinking as plain answers (default: an empty <think></think> block first)", false)
    .option("--max-side <px>", "openai: scale images whose longest side is longer", (v) => positiveInteger(v, "--max-side"))
    .option("--max-file-mb <mb>", "openai: split into several .jsonl files so none exceeds this size (default 512, the Files API's limit)", (v) => positiveInteger(v, "--max-file-mb"))
    .option("--max-megapixels <n>", "refuse images with more pixels than this many million, read from their headers before anything is decoded (default 50)", (v) => positiveInteger(v, "--max-megapixels"))
    .addOption(
      new Option("--images <mode>", "llamafactory and hf: copy the images into OUT/images/ (a folder that works after cp -r or rsync), link them there (this machine only), or name their absolute paths (llamafactory on a shared file system)")
        .choices([...IMAGE_MODES])
        .default("copy"),
    )
    .action(async (input: string | undefined, options: ExportOptions) => {
      const loaded = await readInput(input, options);
      const summary = await exportRecords({
        records: loaded.records,
        format: options.format,
        outDir: options.out,
        name: options.name ?? loaded.name,
        imagesDir: loaded.imagesDir,
        inputFile: loaded.inputFile,
        skipMissing: options.skipMissing,
        plainAnswers: options.plainAnswers,
        ...(options.maxSide !== undefined && { maxSide: options.maxSide }),
        ...(options.maxFileMb !== undefined && { maxFileBytes: options.maxFileMb * 1024 * 1024 }),
        ...(options.maxMegapixels !== undefined && { maxPixels: options.maxMegapixels * 1_000_000 }),
        images: options.images,
      });
      io.out(`exported ${summary.rows.toLocaleString("en-US")} of ${count(summary.records, "record")} as ${summary.format} into ${resolve(options.out)}: ${summary.files.join(", ")}`);
      if (summary.skipped.length > 0) {
        io.out(`skipped ${count(summary.skipped.length, "record")} with a missing or unusable image:`);
        for (const s of summary.skipped.slice(0, 10)) io.out(`  row ${s.index} (${s.id}): ${s.missing}: ${s.problem}`);
        if (summary.skipped.length > 10) io.out(`  … and ${summary.skipped.length - 10} more (all listed in ${summary.name}.export.json)`);
      }
      if (summary.imagesConverted > 0) io.out(`re-encoded ${count(summary.imagesConverted, "image")} to meet OpenAI's image rules`);
      const { mode, count: images } = summary.images;
      if (mode === "copy" || mode === "link") io.out(`${mode === "copy" ? "copied" : "linked"} ${count(images, "image")} into ${join(resolve(options.out), IMAGES_FOLDER)}/`);
      if (mode === "absolute") io.out(`named ${count(images, "image")} by absolute path: the folder works only where they are`);
      for (const warning of summary.warnings) io.err(`warning: ${warning}`);
    });
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${text}: expected a whole number from 1`);
  return n;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

function tally(records: readonly TisRecord[], key: (record: TisRecord) => string): string {
  const counts = new Map<string, number>();
  for (const record of records) counts.set(key(record), (counts.get(key(record)) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${value} ${n}`).join(", ");
}
