// Loader side of publishing: a data loader's stdout is the file Framework serves, so the Parquet
// is written to a temporary file first and streamed out only when complete (a failed loader
// must leave stdout empty and exit non-zero).
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { agreementDatabase, agreementProvenance, tableQuery, type AgreementTable } from "../agreement/index.ts";
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
