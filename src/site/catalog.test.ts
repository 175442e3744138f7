import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";
import { catalog } from "./catalog.ts";

const PROJECT = new URL("../../", import.meta.url);

test("every published table has a loader, a catalog entry and a place in the SQL explorer", async () => {
  const tables = catalog().map((entry) => entry.table).sort();
  const loaders = (await readdir(new URL("data-loaders/", PROJECT)))
    .filter((name) => name.endsWith(".parquet.ts"))
    .map((name) => name.replace(/\.parquet\.ts$/, ""))
    .sort();
  assert.deepEqual(loaders, tables, "data-loaders/*.parquet.ts and the catalog list the same tables");

  const explorer = await readFile(new URL("docs/explore.md", PROJECT), "utf8");
  const attached = [...explorer.matchAll(/^\s+(\w+): FileAttachment\("data\/(\w+)\.parquet"\)/gm)];
  assert.ok(attached.every(([, key, file]) => key === file), "explorer keys match file names");
  assert.deepEqual(attached.map(([, key]) => key).sort(), tables, "docs/explore.md loads every table");
});

test("tables computed by a statistic name its SQL file", () => {
  const bySql = Object.fromEntries(catalog().map((entry) => [entry.table, entry.sql]));
  assert.equal(bySql.judge_agreement, "judge_agreement.sql");
  assert.equal(bySql.fleiss_kappa, "fleiss_kappa.sql");
  assert.equal(bySql.judge_items, null);
});
