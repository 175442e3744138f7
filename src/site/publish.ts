// Loader side of publishing: a data loader's stdout is the file Framework serves, so the Parquet
// is written to a temporary file first and streamed out only when complete (a failed loader
// must leave stdout empty and exit non-zero).
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { agreementDatabase, agreementProvenance, tableQuery, type AgreementTable } from "../agreement/index.ts";
import { existsSync } from "node:fs";
import { gitRevision, packageVersion, sha256 } from "../provenance.ts";
import { Database, sqlString, statisticSql, type Cell, type ColumnType, type Metadata } from "../stats/database.ts";
import { CAPABILITY_TABLES } from "../stats/capability.ts";
import { STUDY_TABLES } from "../stats/study.ts";
import { handedStudyDir, readSiteRuns, statusRows, type StatusRow } from "./study-files.ts";

export async function publishParquet(
  db: Database,
  query: string,
  metadata: Metadata,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "thinksafe-"));
  try {
    const file = join(dir, "table.parquet");
    await db.writeParquet(query, file, metadata);
    await pipeline(createReadStream(file), out, { end: out !== process.stdout });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A judge-agreement loader's whole job: compute the tables from the shipped CSV, print one. */
export async function publishAgreementTable(table: AgreementTable): Promise<void> {
  const db = await agreementDatabase();
  try {
    await publishParquet(db, tableQuery(table), { ...agreementProvenance(), "thinksafe.table": table });
  } finally {
    db.close();
  }
}

/**
 * A study loader's whole job: print one table of the site's study (src/site/study.ts), every site
 * experiment's rows in order. `status` is the reproduction-status matrix; `responses`, `judgments`,
 * `judge_calibration` and `scores` are the runs' own files; the rest are the statistics of
 * src/stats/<table>.sql. Rows whose request failed are published with their error: the site shows
 * what is missing instead of hiding it.
 */
export async function publishSiteTable(table: SiteTable): Promise<void> {
  const dir = handedStudyDir() ?? (await (await import("./study.ts")).siteStudy());
  const runs = await readSiteRuns(dir);
  const db = await Database.open();
  try {
    const metadata = {
      "thinksafe.version": packageVersion(),
      "thinksafe.git_revision": gitRevision(),
      "thinksafe.table": table,
      "thinksafe.experiments": runs.map((run) => ({ id: run.experiment_id, hash: run.experiment_hash, is_simulated: run.is_simulated })),
      ...((table in STUDY_TABLES || table in CAPABILITY_TABLES) && { "thinksafe.sql_sha256": sha256(statisticSql(table)) }),
    };
    if (table === "status") {
      await db.createTable("status", STATUS_SCHEMA, statusRows(runs).map((row) => Object.keys(STATUS_SCHEMA).map((c) => row[c as keyof StatusRow] as Cell)));
      await publishParquet(db, "SELECT * FROM status", metadata);
      return;
    }
    const files = runs.map((run) => join(dir, run.experiment_id, `${table}.parquet`)).filter((file) => existsSync(file));
    if (files.length === 0) throw new Error(`no experiment of the site has a ${table} table`);
    // One thread reads the files in order, so the rows keep the experiments' order.
    const source = `read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true)`;
    await publishParquet(db, `SELECT * FROM ${source}`, metadata);
  } finally {
    db.close();
  }
}

export type SiteTable = "status" | "responses" | "judgments" | "judge_calibration" | "scores" | "model_profiles" | keyof typeof STUDY_TABLES | keyof typeof CAPABILITY_TABLES;

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
