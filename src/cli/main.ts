// The thinksafe command line. The only place that prints errors and chooses exit codes:
// 0 success, 1 unexpected failure, 2 bad usage or bad input.
import { Command, CommanderError, Option } from "commander";
import { DataError, UsageError } from "../errors.ts";
import { packageVersion } from "../provenance.ts";
import { agreementCommand } from "./agreement.ts";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export function program(io: Io): Command {
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

  return cli;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(
  argv: string[],
  io: Io = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
): Promise<number> {
  const cli = program(io);
  try {
    await cli.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof DataError || error instanceof UsageError) {
      io.err(`thinksafe: ${error.message}`);
      return 2;
    }
    io.err(`thinksafe: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
