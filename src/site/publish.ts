// Loader side of publishing: a data loader's stdout is the file Framework serves, so the Parquet
// is written to a temporary file first and streamed out only when complete (a failed loader
// must leave stdout empty and exit non-zero).
import { createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { agreementDatabase, agreementProvenance, tableQuery, type AgreementTable } from "../agreement/index.ts";
import { runExperiment } from "../eval/run-experiment.ts";
import { loadExperiment } from "../experiments/load.ts";
import type { Database } from "../stats/database.ts";

export async function publishParquet(
  db: Database,
  query: string,
  metadata: Record<string, string>,
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

const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));

/**
 * An experiment loader's whole job: run experiments/<id>.yaml (answers come from the project's
 * response cache when they can) and print its responses or judgments table. Rows whose request failed are
 * published with their error: the site shows what is missing instead of hiding it.
 */
export async function publishExperimentTable(id: string, table: "responses" | "judgments"): Promise<void> {
  const experiment = await loadExperiment(`${PROJECT_DIR}experiments/${id}.yaml`);
  const outDir = await mkdtemp(join(tmpdir(), "thinksafe-eval-"));
  try {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    await runExperiment(experiment, { outDir, cacheDir: `${PROJECT_DIR}.thinksafe/cache`, log });
    await pipeline(createReadStream(join(outDir, `${table}.parquet`)), process.stdout, { end: false });
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
