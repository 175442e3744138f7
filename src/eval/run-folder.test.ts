import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { Database, sqlString } from "../duckdb/database.ts";
import { tempDir } from "../test-support.ts";
import { readStamps } from "./run-folder.ts";

test("a file's stamp is read from JSON metadata (this version) and from the bare strings earlier versions wrote", async (t) => {
  const dir = await tempDir(t);
  const db = await Database.open();
  try {
    await db.writeParquet("SELECT 1 AS x", join(dir, "responses.parquet"), { "thinksafe.experiment_id": "demo", "thinksafe.experiment_hash": "0123456789abcdef" });
    // Written as thinksafe wrote metadata before it was JSON: the value's text itself.
    await db.connection.run(
      `COPY (SELECT 1 AS x) TO ${sqlString(join(dir, "judgments.parquet"))} (FORMAT parquet, KV_METADATA {'thinksafe.experiment_id': 'demo', 'thinksafe.experiment_hash': '0123456789abcdef'})`,
    );
    await db.writeParquet("SELECT 1 AS x", join(dir, "scores.parquet"), { "thinksafe.version": "0.1.0" });
  } finally {
    db.close();
  }
  await writeFile(join(dir, "manifest.json"), JSON.stringify({ experiment: { id: "demo", hash: "0123456789abcdef" } }));
  const stamps = await readStamps(dir);
  assert.deepEqual(
    stamps.map((s) => [s.name, s.experimentId, s.hash, s.unreadable]),
    [
      ["judgments.parquet", "demo", "0123456789abcdef", null],
      ["manifest.json", "demo", "0123456789abcdef", null],
      ["responses.parquet", "demo", "0123456789abcdef", null],
      ["scores.parquet", null, null, "its metadata names no thinksafe experiment"],
    ],
  );
});
