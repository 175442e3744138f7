// Every file the site publishes under docs' `data/`, written into one folder in one process: the
// site's one data loader (data-loaders/data.tar.ts, src/site/archive.ts) packs the folder, and
// Framework serves each page's FileAttachment("data/<file>") out of it. Computing everything in one
// process with one DuckDB costs seconds; a process per table cost a minute.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { agreementDatabase, agreementProvenance, tableQuery, AGREEMENT_TABLES, type AgreementTable } from "../agreement/index.ts";
import { dataContext } from "../benchmarks/data-dir.ts";
import { ImageStore } from "../images/store.ts";
import { gitRevision, packageVersion, sha256 } from "../provenance.ts";
import { Database, sqlString, type Cell, type ColumnType } from "../duckdb/database.ts";
import { statisticSql } from "../stats/sql-files.ts";
import { CAPABILITY_TABLES, capabilityDatabase } from "../stats/capability.ts";
import { STUDY_TABLES, studyDatabase } from "../stats/study.ts";
import { benchmarkCatalogue, figStepGallery, mmSafetyTypoGallery } from "./benchmark-catalogue.ts";
import { catalog, PUBLISHED_TABLES } from "./catalog.ts";
import { SITE_CACHE_DIR } from "./paths.ts";
import { readSiteRuns, siteImages, statusRows, type SiteRun, type StatusRow } from "./study-files.ts";
import { siteTisImages, writeTisTables } from "./tis-files.ts";

/** The JSON files of `data/`, besides one Parquet file per table of PUBLISHED_TABLES. */
export const PUBLISHED_JSON = ["benchmark_catalogue", "catalog", "figstep_gallery", "mm_safetybench_typo", "sample_images", "tis_images"] as const;

/** Every published file's name in `data/`, in the order it is written. */
export function publishedFiles(): string[] {
  return [...Object.keys(PUBLISHED_TABLES).map((table) => `${table}.parquet`), ...PUBLISHED_JSON.map((name) => `${name}.json`)];
}

/**
 * Writes every file of publishedFiles() into `outDir`, from the site study's folder `studyDir`
 * (src/site/study.ts), the shipped judge-comparison CSV and the site's TiS folder.
 */
export async function writeSiteFiles(studyDir: string, outDir: string, log: (line: string) => void = () => {}): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const runs = await readSiteRuns(studyDir);
  await timed(log, "study tables", () => writeStudyTables(studyDir, runs, outDir));
  await timed(log, "judge-agreement tables", () => writeAgreementTables(outDir));
  await timed(log, "TiS tables", () => writeTisTables(outDir));
  const json: Record<(typeof PUBLISHED_JSON)[number], () => Promise<unknown>> = {
    benchmark_catalogue: () => benchmarkCatalogue(dataContext(undefined)),
    catalog: async () => catalog(),
    figstep_gallery: () => figStepGallery(ImageStore.of(SITE_CACHE_DIR)),
    mm_safetybench_typo: () => mmSafetyTypoGallery(dataContext(undefined), ImageStore.of(SITE_CACHE_DIR)),
    sample_images: () => siteImages(studyDir),
    tis_images: () => siteTisImages(),
  };
  await timed(log, "galleries and catalogues", async () => {
    for (const name of PUBLISHED_JSON) await writeFile(join(outDir, `${name}.json`), JSON.stringify(await json[name]()));
  });
}

async function timed(log: (line: string) => void, what: string, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await work();
  log(`${what} in ${Math.round(performance.now() - started)} ms`);
}

/** The judge-agreement tables, computed once from the shipped CSV. */
async function writeAgreementTables(outDir: string): Promise<void> {
  const db = await agreementDatabase();
  try {
    for (const table of Object.keys(AGREEMENT_TABLES) as AgreementTable[]) {
      await db.writeParquet(tableQuery(table), join(outDir, `${table}.parquet`), { ...agreementProvenance(), "thinksafe.table": table });
    }
  } finally {
    db.close();
  }
}

/**
 * The study's tables, every site experiment's rows in order. `status` is the reproduction-status
 * matrix; `responses`, `judgments`, `judge_calibration`, `scores` and `model_profiles` are the
 * runs' own files; the rest are the statistics of src/stats/<table>.sql, computed here per run (so
 * that editing one recomputes the tables, not the experiments). Rows whose request failed are
 * published with their error: the site shows what is missing instead of hiding it.
 */
async function writeStudyTables(studyDir: string, runs: readonly SiteRun[], outDir: string): Promise<void> {
  const statsDir = join(outDir, ".per-run");
  const statistics = await writeRunStatistics(studyDir, runs, statsDir);
  const db = await Database.open();
  try {
    for (const table of SITE_TABLES) {
      const metadata = {
        "thinksafe.version": packageVersion(),
        "thinksafe.git_revision": gitRevision(),
        "thinksafe.table": table,
        "thinksafe.experiments": runs.map((run) => ({ id: run.experiment_id, hash: run.experiment_hash, is_simulated: run.is_simulated })),
        ...((table in STUDY_TABLES || table in CAPABILITY_TABLES) && { "thinksafe.sql_sha256": sha256(statisticSql(table)) }),
      };
      const file = join(outDir, `${table}.parquet`);
      if (table === "status") {
        await db.createTable("status", STATUS_SCHEMA, statusRows(runs).map((row) => Object.keys(STATUS_SCHEMA).map((c) => row[c as keyof StatusRow] as Cell)));
        await db.writeParquet("SELECT * FROM status", file, metadata);
        continue;
      }
      const files = statistics.has(table)
        ? statistics.get(table)!
        : runs.map((run) => join(studyDir, run.experiment_id, `${table}.parquet`)).filter((path) => existsSync(path));
      if (files.length === 0) throw new Error(`no experiment of the site has a ${table} table`);
      // One thread reads the files in order, so the rows keep the experiments' order.
      await db.writeParquet(`SELECT * FROM read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true)`, file, metadata);
    }
  } finally {
    db.close();
  }
}

/** Each run's study and capability statistics as `<statsDir>/<experiment>/<table>.parquet`, led by experiment_id and is_simulated; by table, the files in run order. */
async function writeRunStatistics(studyDir: string, runs: readonly SiteRun[], statsDir: string): Promise<Map<string, string[]>> {
  const files = new Map<string, string[]>();
  const write = async (db: Database, run: SiteRun, tables: readonly string[]) => {
    const dir = join(statsDir, run.experiment_id);
    await mkdir(dir, { recursive: true });
    for (const table of tables) {
      const file = join(dir, `${table}.parquet`);
      await db.writeParquet(`SELECT ${sqlString(run.experiment_id)} AS experiment_id, ${run.is_simulated} AS is_simulated, * FROM ${table}`, file);
      files.set(table, [...(files.get(table) ?? []), file]);
    }
  };
  for (const run of runs) {
    const runDir = join(studyDir, run.experiment_id);
    if (existsSync(join(runDir, "judgments.parquet"))) {
      const db = await studyDatabase(runDir);
      try {
        await write(db, run, Object.keys(STUDY_TABLES));
      } finally {
        db.close();
      }
    }
    const db = await capabilityDatabase(runDir);
    try {
      await write(db, run, Object.keys(CAPABILITY_TABLES));
    } finally {
      db.close();
    }
  }
  return files;
}

/** The study's published tables: the runs' own files, the status matrix and the statistics. */
const SITE_TABLES = [
  "status",
  "responses",
  "model_profiles",
  "judgments",
  "judge_calibration",
  "scores",
  ...Object.keys(STUDY_TABLES),
  ...Object.keys(CAPABILITY_TABLES),
] as const;

export type SiteTable = (typeof SITE_TABLES)[number];

const STATUS_SCHEMA = {
  experiment_id: "VARCHAR",
  is_simulated: "BOOLEAN",
  model_id: "VARCHAR",
  base_model_id: "VARCHAR",
  benchmark_id: "VARCHAR",
  subset: "VARCHAR",
  status: "VARCHAR",
  planned: "INTEGER",
  answered: "INTEGER",
  from_cache: "INTEGER",
  errors: "INTEGER",
  reason: "VARCHAR",
} as const satisfies Record<keyof StatusRow, ColumnType>;
