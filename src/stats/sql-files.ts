// The statistics are the SQL files of this folder (src/stats/<name>.sql), run unchanged in Node and
// in the browser; macros.sql defines what they share and runs before any of them.
import { readFileSync } from "node:fs";
import { Database } from "../duckdb/database.ts";

const STATS_DIR = new URL("./", import.meta.url);

/** The SQL text of `src/stats/<name>.sql`. */
export function statisticSql(name: string): string {
  return readFileSync(new URL(`${name}.sql`, STATS_DIR), "utf8");
}

/** A database with macros.sql's macros defined: where any statistic can run. */
export function openStatisticsDatabase(): Promise<Database> {
  return Database.open(statisticSql("macros"));
}

/** Runs `src/stats/<name>.sql` and keeps its result as table `name`. */
export function materialize(db: Database, name: string): Promise<void> {
  return db.createTableAs(name, statisticSql(name));
}
