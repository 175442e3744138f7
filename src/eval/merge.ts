// `thinksafe merge`: shard outputs (responses.shard-i-of-n.parquet, from one folder or several)
// into the experiment's responses.parquet — the same rows in the same order as an unsharded run,
// so the same bytes. Every planned row must come from exactly one shard.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DataContext } from "../benchmarks/sample.ts";
import { DataError } from "../errors.ts";
import type { Experiment } from "../experiments/load.ts";
import { Database, sqlString } from "../duckdb/database.ts";
import { checkParquetFile, readingParquet } from "../duckdb/parquet-file.ts";
import { inShard, loadSamples, outputNames, planRows } from "./plan.ts";
import { writeResponses } from "./run-experiment.ts";
import { assertRunBelongsTogether, prepareOutFolder } from "./run-folder.ts";

const SHARD_FILE = /^responses\.shard-(\d+)-of-(\d+)\.parquet$/;

export interface MergeSummary {
  responsesFile: string;
  rows: number;
  shards: number;
  errors: number;
}

export async function mergeShards(experiment: Experiment, outDir: string, inputDirs: readonly string[], data?: DataContext, options: { force?: boolean } = {}): Promise<MergeSummary> {
  const fix = "rerun that shard: thinksafe eval EXPERIMENT --shard i/n --out DIR (answers come from the cache)";
  // A damaged shard in the folder is named with what is wrong with it, not taken for another run's file.
  await checkShards(
    (await readdir(outDir).catch(() => [] as string[])).filter((name) => SHARD_FILE.test(name)).map((name) => join(outDir, name)),
    fix,
  );
  // The merged file goes beside the shards: the folder must not hold another experiment's run
  // (with force, that run's files are removed first: nothing is asked, so nothing is lost).
  for (const stale of await prepareOutFolder(outDir, experiment, options)) await rm(join(outDir, stale.name), { force: true });
  const files: Array<{ dir: string; file: string; index: number; count: number }> = [];
  for (const dir of [outDir, ...inputDirs]) {
    const names: string[] = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const match = SHARD_FILE.exec(name);
      if (match) files.push({ dir, file: join(dir, name), index: Number(match[1]), count: Number(match[2]) });
      if (match || /^manifest\.shard-\d+-of-\d+\.json$/.test(name)) names.push(name);
    }
    // Every shard file and shard manifest must come from this experiment, named file by file.
    await assertRunBelongsTogether(dir, names, experiment);
  }
  const count = files[0]?.count;
  if (count === undefined) throw new DataError({ file: outDir }, "no responses.shard-i-of-n.parquet files here", "run eval with --shard i/n first");
  const found = new Set(files.map((f) => f.index));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !found.has(i));
  const mixed = files.find((f) => f.count !== count);
  if (mixed) throw new DataError({ file: mixed.file }, `is one of ${mixed.count} shards, others are of ${count}`);
  if (missing.length) throw new DataError({ file: outDir }, `shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${count} missing`, "run them, or give the folders that hold them");
  if (files.length > count) throw new DataError({ file: outDir }, `${files.length} shard files for ${count} shards`, "each shard must be given once");

  const plan = planRows(experiment, await loadSamples(experiment, data));
  // The other folders' shards (this folder's were checked above).
  await checkShards(
    files.filter((f) => f.dir !== outDir).map((f) => f.file),
    fix,
  );
  const db = await Database.open();
  try {
    await db.createTable(
      "plan",
      { ordinal: "INTEGER", model_id: "VARCHAR", benchmark_id: "VARCHAR", subset: "VARCHAR", sample_id: "VARCHAR", repeat: "INTEGER", shard: "INTEGER" },
      plan.map((row, i) => [i, row.model.id, row.sample.benchmark, row.sample.subset, row.sample.sampleId, row.repeat, shardOf(row.key, count)]),
    );
    const list = files.map((f) => sqlString(f.file)).join(", ");
    await readingParquet(
      files.map((f) => f.file),
      fix,
      () => db.connection.run(`CREATE TABLE shards AS SELECT * FROM read_parquet([${list}])`),
    );
    const [hash] = await db.rows("SELECT list(DISTINCT experiment_hash) AS hashes FROM shards");
    const hashes = (hash?.hashes ?? []) as string[];
    if (hashes.some((h) => h !== experiment.hash)) {
      throw new DataError({ file: outDir }, `shards come from another version of ${experiment.file} (experiment hash ${hashes.join(", ")})`, "rerun the shards with this spec");
    }
    const identity = "model_id, benchmark_id, subset, sample_id, repeat";
    const [check] = await db.rows(`
      SELECT
        (SELECT count(*) FROM plan ANTI JOIN shards USING (${identity}))::INTEGER AS missing,
        (SELECT count(*) FROM (SELECT ${identity} FROM shards GROUP BY ALL HAVING count(*) > 1))::INTEGER AS duplicated,
        (SELECT count(*) FROM shards ANTI JOIN plan USING (${identity}))::INTEGER AS unplanned,
        (SELECT string_agg(DISTINCT shard::VARCHAR, ', ' ORDER BY shard::VARCHAR) FROM plan ANTI JOIN shards USING (${identity})) AS missing_from`);
    if (check!.missing || check!.duplicated || check!.unplanned) {
      throw new DataError(
        { file: outDir },
        `shards do not add up to the plan: ${check!.missing} rows missing${check!.missing_from ? ` (from shard ${check!.missing_from})` : ""}, ${check!.duplicated} duplicated, ${check!.unplanned} not in the plan`,
      );
    }
    const responsesFile = join(outDir, outputNames().responses);
    await writeResponses(db, `SELECT s.* FROM plan AS p JOIN shards AS s USING (${identity}) ORDER BY p.ordinal`, experiment, responsesFile);
    const [errors] = await db.rows("SELECT count(error)::INTEGER AS n FROM shards");
    return { responsesFile, rows: plan.length, shards: count, errors: errors!.n as number };
  } finally {
    db.close();
  }
}

function shardOf(key: string, count: number): number {
  for (let index = 1; index <= count; index++) if (inShard(key, { index, count })) return index;
  throw new Error("unreachable: every key is in one shard");
}

/** Each shard file is a readable Parquet file, or a DataError names it and what is wrong. */
async function checkShards(files: readonly string[], fix: string): Promise<void> {
  if (files.length === 0) return;
  const db = await Database.open();
  try {
    for (const file of files) await checkParquetFile(db, file, fix);
  } finally {
    db.close();
  }
}
