// The site's TiS data as the site's loader reads it (src/site/tis.ts computes it): finding the folder
// in place (tis-folder.ts), it publishes the tables without loading the build pipeline.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gitRevision, packageVersion, sha256 } from "../provenance.ts";
import { Database, sqlString } from "../duckdb/database.ts";
import { materialize, openStatisticsDatabase, statisticSql } from "../stats/sql-files.ts";
import { TIS_TABLES, type TisTable } from "../stats/tis.ts";
import { readSiteTisInfo, siteTisLocation } from "./tis-folder.ts";

/** The site's TiS folder, computed first when the inputs changed. */
async function siteTisDir(): Promise<string> {
  const location = await siteTisLocation();
  return location.complete ? location.dir : (await import("./tis.ts")).siteTis();
}

/** Tables of the folder itself; the statistics are computed from them by src/stats/<table>.sql. */
export const SITE_TIS_SOURCES = ["tis_records", "tis_filtered"] as const;
export type SiteTisTable = (typeof SITE_TIS_SOURCES)[number] | TisTable;

/** Every TiS table as `<outDir>/<table>.parquet`, each data set's rows in order. */
export async function writeTisTables(outDir: string): Promise<void> {
  const dir = await siteTisDir();
  const datasets = await readSiteTisInfo(dir);
  const db = await openStatisticsDatabase();
  try {
    await openSiteTis(db, dir);
    for (const table of [...SITE_TIS_SOURCES, ...(Object.keys(TIS_TABLES) as TisTable[])]) {
      const isStatistic = table in TIS_TABLES;
      if (isStatistic) await materialize(db, table);
      await db.writeParquet(`SELECT * FROM ${table}`, join(outDir, `${table}.parquet`), {
        "thinksafe.version": packageVersion(),
        "thinksafe.git_revision": gitRevision(),
        "thinksafe.table": table,
        "thinksafe.datasets": datasets.map((d) => ({ dataset: d.dataset, hash: d.hash, is_simulated: d.is_simulated })),
        ...(isStatistic && { "thinksafe.sql_sha256": sha256(statisticSql(table)) }),
      });
    }
  } finally {
    db.close();
  }
}

/** Views tis_records and tis_filtered of a site TiS folder, as the statistics read them. */
export async function openSiteTis(db: Database, dir: string): Promise<void> {
  for (const table of SITE_TIS_SOURCES) {
    // A view's file cannot be a parameter: a quoted literal (paths may hold apostrophes).
    await db.connection.run(`CREATE OR REPLACE VIEW ${table} AS SELECT * FROM read_parquet(${sqlString(join(dir, `${table}.parquet`))})`);
  }
}

/** The demo build's example images: sha256 → downscaled data URI. */
export async function siteTisImages(): Promise<Record<string, string>> {
  return JSON.parse(await readFile(join(await siteTisDir(), "images.json"), "utf8")) as Record<string, string>;
}
