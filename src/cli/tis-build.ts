// `thinksafe tis build SPEC.yaml --out DIR`: build TiS data (captions, teacher answers, filters).
import { resolve } from "node:path";
import type { Command } from "commander";
import { dataContext } from "../benchmarks/data-dir.ts";
import { buildTis, loadTisBuild } from "../tis/pipeline/index.ts";
import { commandCacheDir } from "./cache-dir.ts";
import type { Io, Outcome } from "./outcome.ts";

/** Adds `build` to the `tis` command group; `outcome` takes exit code 1 when some requests failed. */
export function tisBuildSubcommand(tis: Command, io: Io, outcome: Outcome): void {
  tis
    .command("build")
    .description(
      "Build Think-in-Safety data from a build spec: caption images, ask a teacher for <think>…</think>answer, filter; " +
        "writes DIR/spec|captions|answers|filtered.parquet, DIR/tis.json (TiS release format) and DIR/images/ (resumable).",
    )
    .argument("<spec>", "TiS build spec YAML, e.g. experiments/tis-demo.yaml")
    .requiredOption("--out <dir>", "output folder")
    .option("--cache <dir>", "response cache folder (default: $THINKSAFE_CACHE_DIR, the folder's previous cache, or .thinksafe/cache)")
    .option("--data-dir <dir>", "folder with your copies of the training sets (default: the spec's data_dir, or $THINKSAFE_DATA_DIR)")
    .action(async (file: string, options: { out: string; cache?: string; dataDir?: string }) => {
      const build = await loadTisBuild(file);
      const outDir = resolve(options.out);
      const cacheDir = await commandCacheDir(options.cache, outDir);
      const summary = await buildTis(build, { outDir, cacheDir, data: dataContext(options.dataDir, build.dataDir), log: io.err });
      const dropped = Object.entries(summary.dropped).map(([reason, n]) => `${reason} ${n}`);
      io.err(`[tis] kept ${summary.kept.toLocaleString("en-US")} of ${summary.items.toLocaleString("en-US")} items${dropped.length ? `; dropped: ${dropped.join(", ")}` : ""}`);
      io.err(`[tis] wrote ${summary.files.tis} and the stage tables in ${outDir}`);
      if (summary.errors > 0) {
        io.err(`[tis] ${summary.errors.toLocaleString("en-US")} requests failed. Answers already received are cached: run the same command again to retry only the rest.`);
        outcome.exitCode = 1;
      }
    });
}
