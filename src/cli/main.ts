// The thinksafe command line. The only place that prints errors and chooses exit codes:
// 0 success, 1 unexpected failure, 2 bad usage or bad input.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { DataError, SpecError, UsageError } from "../errors.ts";
import { dataContext } from "../benchmarks/data-dir.ts";
import { calibrationSummary, judgeRun } from "../eval/judge-run.ts";
import { mergeShards } from "../eval/merge.ts";
import { scoreRunFromData } from "../eval/scores.ts";
import { judgeSummary } from "../eval/run-experiment.ts";
import { loadExperiment } from "../experiments/load.ts";
import { experimentJsonSchema } from "../experiments/spec.ts";
import { packageVersion } from "../provenance.ts";
import { scrubSecrets } from "../secrets.ts";
import { agreementCommand } from "./agreement.ts";
import { benchList, benchRender, benchShow, benchValidate } from "./bench.ts";
import { commandCacheDir } from "./cache-dir.ts";
import { evalCommand } from "./eval.ts";
import { addFinetuneCommands } from "./finetune.ts";
import { profilesCommand } from "./profiles.ts";
import { simulateCommand } from "./simulate.ts";
import { statsCommand } from "./stats.ts";
import { P_ADJUST_METHODS, type PAdjustMethod } from "../stats/p-adjust.ts";
import { tisCommand } from "./tis.ts";
import type { Io, Outcome } from "./outcome.ts";

export function program(io: Io, outcome: Outcome = { exitCode: 0 }): Command {
  const write = io.out;
  // Output settings are copied into subcommands when they are added, so they come first.
  const cli = new Command("thinksafe")
    .description("Reproducible safety evaluation of multimodal reasoning models.")
    .version(packageVersion())
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError()
    .exitOverride();

  cli
    .command("agreement")
    .description("Agreement of safety judges with human labels (JailbreakBench's 300 labelled responses).")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .option("--data <file>", "a CSV with the columns of JailbreakBench's judge-comparison.csv (default: the shipped copy)")
    .option("--humans", "also list each human annotator against the majority", false)
    .action(async (options) => write(await agreementCommand(options)));

  cli
    .command("eval")
    .description("Run an experiment's models on its benchmarks into DIR/responses.parquet and DIR/manifest.json (resumable).")
    .argument("<experiment>", "experiment YAML file")
    .requiredOption("--out <dir>", "output folder")
    .option("--cache <dir>", "response and image cache (default: $THINKSAFE_CACHE_DIR, the one an earlier run into --out used, or .thinksafe/cache)")
    .option("--shard <i/n>", "run only shard i of n, into DIR/responses.shard-i-of-n.parquet (combine them with thinksafe merge)")
    .option("--data-dir <dir>", "folder with your copies of benchmark data (default: the experiment's data_dir, or $THINKSAFE_DATA_DIR)")
    .option("--force", "replace a run of another experiment (or another version of this one) in --out; refused otherwise, before any request", false)
    .addOption(noCalibrateOption())
    .action(async (file: string, options) => {
      outcome.exitCode = await evalCommand(file, options, io.err);
    });

  cli
    .command("judge")
    .description("Judge a run's answers and thinking with the experiment's judges into RUN_DIR/judgments.parquet.")
    .argument("<run-dir>", "a folder written by thinksafe eval (or merge)")
    .option("--experiment <file>", "the experiment YAML (default: the one the run's manifest names)")
    .option("--cache <dir>", "response and image cache (default: $THINKSAFE_CACHE_DIR, the run's from its manifest, or .thinksafe/cache)")
    .option("--data-dir <dir>", "folder with your copies of benchmark data, for judges with images: true (default: the experiment's data_dir, or $THINKSAFE_DATA_DIR)")
    .addOption(noCalibrateOption())
    .action(async (runDir: string, options: { experiment?: string; cache?: string; dataDir?: string; calibrate: boolean }) => {
      const manifest = await readManifest(runDir);
      const experiment = await loadExperiment(options.experiment ?? manifestField(manifest, "file", runDir));
      const cacheDir = await commandCacheDir(options.cache, runDir);
      const judged = await judgeRun(runDir, experiment, { cacheDir, calibrate: options.calibrate, data: dataContext(options.dataDir, experiment.dataDir) });
      io.err(`[judge] ${judgeSummary(judged)} → ${judged.judgmentsFile}`);
      if (judged.calibration) io.err(`[judge] ${calibrationSummary(judged.calibration)}`);
    });

  cli
    .command("stats")
    .description("The study's statistics over a run folder's responses.parquet and judgments.parquet: safety, degradation against the base model, thinking against answer.")
    .argument("<run-dir>", "a folder with responses.parquet and judgments.parquet")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addOption(new Option("--p-adjust <method>", "multiplicity adjustment of each family of p-values (one run, judge and target; capability deltas)").choices([...P_ADJUST_METHODS]).default("holm"))
    .action(async (runDir: string, options: { format: "table" | "json"; pAdjust: PAdjustMethod }) => write(await statsCommand(runDir, options)));

  cli
    .command("merge")
    .description("Combine shard outputs into DIR/responses.parquet, identical to an unsharded run.")
    .argument("<experiment>", "the experiment YAML file the shards ran")
    .requiredOption("--out <dir>", "output folder (its own shard files are included)")
    .option("--from <dirs...>", "more folders holding shard files")
    .option("--data-dir <dir>", "folder with your copies of benchmark data, as for eval")
    .option("--cache <dir>", "response and image cache for scoring and judging (default: $THINKSAFE_CACHE_DIR, the one --out's run used, or .thinksafe/cache)")
    .option("--force", "replace a run of another experiment in --out", false)
    .addOption(noCalibrateOption())
    .action(async (file: string, options: { out: string; from?: string[]; dataDir?: string; cache?: string; calibrate: boolean; force: boolean }) => {
      const experiment = await loadExperiment(file);
      const cacheDir = await commandCacheDir(options.cache, options.out);
      const summary = await mergeShards(experiment, options.out, options.from ?? [], dataContext(options.dataDir, experiment.dataDir), { force: options.force });
      io.err(`[merge] ${summary.shards} shards → ${summary.responsesFile} (${summary.rows.toLocaleString("en-US")} rows, ${summary.errors} without answer)`);
      const scored = await scoreRunFromData(options.out, experiment, dataContext(options.dataDir, experiment.dataDir), { cacheDir });
      if (scored.rows > 0) io.err(`[merge] scored ${scored.rows.toLocaleString("en-US")} capability answers → ${scored.scoresFile}`);
      if (experiment.spec.judges.length > 0) {
        const judged = await judgeRun(options.out, experiment, { cacheDir, calibrate: options.calibrate, data: dataContext(options.dataDir, experiment.dataDir) });
        io.err(`[merge] judged: ${judgeSummary(judged)} → ${judged.judgmentsFile}`);
        if (judged.calibration) io.err(`[merge] ${calibrationSummary(judged.calibration)}`);
      }
      outcome.exitCode = summary.errors ? 1 : 0;
    });

  const bench = cli.command("bench").description("The benchmarks: what they hold and what is present locally.");
  const dataDirOption = () => new Option("--data-dir <dir>", "folder with your copies of benchmark data (default: $THINKSAFE_DATA_DIR)");
  bench
    .command("list")
    .description("Every benchmark and subset with its group, size and images present or missing.")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addOption(dataDirOption())
    .action(async (options: { format: "table" | "json"; dataDir?: string }) => write(await benchList(options.format, dataContext(options.dataDir))));
  bench
    .command("show")
    .description("The first samples of a benchmark: ids, categories, images and prompts.")
    .argument("<benchmark>", "benchmark id")
    .option("--subset <subset>", "subset (default: the benchmark's default)")
    .option("--limit <n>", "how many samples", (v) => parseCount(v, "--limit"), 10)
    .addOption(dataDirOption())
    .action(async (id: string, options: { subset?: string; limit: number; dataDir?: string }) =>
      write(await benchShow(id, options, dataContext(options.dataDir))),
    );
  bench
    .command("validate")
    .description("Check counts and that every image is present; lists each missing file and where upstream distributes it (exit 1 if any).")
    .argument("[benchmarks...]", "benchmark ids (default: all)")
    .addOption(dataDirOption())
    .action(async (ids: string[], options: { dataDir?: string }) => {
      outcome.exitCode = await benchValidate(ids, dataContext(options.dataDir), write);
    });
  bench
    .command("render")
    .description("Write the images thinksafe renders (FigStep's typographic prompts) under upstream's file names.")
    .argument("<benchmark>", "figstep")
    .requiredOption("--out <dir>", "output folder")
    .option("--subset <subset>", "subset (default: the benchmark's default)")
    .option("--limit <n>", "only the first N", (v) => parseCount(v, "--limit"))
    .action(async (id: string, options: { out: string; subset?: string; limit?: number }) => write(await benchRender(id, options)));

  cli
    .command("simulate")
    .description("Serve thinksafe's simulated models on a local OpenAI-compatible endpoint (like vLLM); all output is marked simulated.")
    .option("--port <port>", "port to listen on (0: any free port)", parsePort, 8000)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--config <file>", "simulator config (YAML or JSON); default: thinksafe's demo models")
    .option("--experiment <file>", "also serve every model this experiment names, under its own name, speaking its profile's format")
    .action((options) => simulateCommand(options, io));

  cli
    .command("profiles")
    .description("The model profiles: how each family is prompted and its thinking and answer read, with sources and what is unconfirmed.")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .argument("[ids...]", "only these profiles")
    .action((ids: string[], options: { format: "table" | "json" }) => write(profilesCommand(ids, options.format)));

  cli
    .command("schema")
    .description("Print the JSON Schema of experiment files (for editor completion).")
    .action(() => write(JSON.stringify(experimentJsonSchema(), null, 2)));

  addFinetuneCommands(cli, io, outcome);

  tisCommand(cli, io, outcome);

  return cli;
}

type Manifest = { experiment?: { file?: unknown } };

/** A run's manifest.json; an empty one when there is none (then flags must say what it would). */
async function readManifest(runDir: string): Promise<Manifest> {
  const file = join(runDir, "manifest.json");
  const text = await readFile(file, "utf8").catch(() => "{}");
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Manifest;
  } catch {
    // reported below
  }
  throw new DataError({ file }, "not a JSON object (a damaged run manifest)", "restore it, or give the experiment with --experiment FILE and the cache with --cache DIR");
}

function manifestField(manifest: Manifest, field: "file", runDir: string): string {
  const value = manifest.experiment?.[field];
  if (typeof value !== "string") {
    throw new DataError({ file: join(runDir, "manifest.json"), column: `experiment.${field}` }, "is missing", "give the experiment with --experiment FILE");
  }
  return value;
}

/** Judging also measures each judge on the shipped human-labelled sets, unless told not to. */
function noCalibrateOption(): Option {
  return new Option("--no-calibrate", "don't measure the judges on the human-labelled sets (RUN_DIR/judge_calibration.parquet)");
}

function parseCount(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${text}: expected a whole number from 1`);
  return n;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${text}: expected a port number from 0 to 65535`);
  return port;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(
  argv: string[],
  io: Io = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
): Promise<number> {
  const outcome: Outcome = { exitCode: 0 };
  // Every line on stderr (progress, endpoint problems, errors) passes the scrubber: a key an
  // endpoint echoed must not reach a terminal or a CI log.
  const printErr = io.err;
  io = { out: io.out, err: (text) => printErr(scrubSecrets(text)) };
  const cli = program(io, outcome);
  try {
    await cli.parseAsync(argv);
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof DataError || error instanceof SpecError || error instanceof UsageError) {
      io.err(`thinksafe: ${error.message}`);
      return 2;
    }
    io.err(`thinksafe: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
