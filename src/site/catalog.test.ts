import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";
import { catalog } from "./catalog.ts";
import { publishedFiles } from "./publish.ts";

const PROJECT = new URL("../../", import.meta.url);

test("every file a page reads is published, and every published table has a place in the SQL explorer", async () => {
  const tables = catalog().map((entry) => entry.table).sort();
  const published = new Set(publishedFiles());
  let read = 0;
  for (const page of (await readdir(new URL("docs/", PROJECT), { recursive: true })).filter((name) => /\.(md|js)$/.test(name))) {
    const text = await readFile(new URL(`docs/${page}`, PROJECT), "utf8");
    for (const [, file] of text.matchAll(/FileAttachment\("(?:\.\.\/)?data\/([^"]+)"\)/g)) {
      assert.ok(published.has(file!), `docs/${page} reads data/${file}, which src/site/publish.ts does not publish`);
      read++;
    }
  }
  assert.ok(read >= tables.length, `the pages read ${read} data files`);

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
