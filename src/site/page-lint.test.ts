import { test } from "node:test";
import assert from "node:assert/strict";
import { lintPages, offlineSqlProblems } from "./page-lint.ts";
import { SITE_ROOT } from "./paths.ts";

test("front matter sql over Parquet or JSON is an error naming the page, the table and the fix", () => {
  const page = "---\ntitle: Mine\nsql:\n  safety: ./data/safety.parquet\n  rows: {file: ./data/rows.json}\n  ok: ./data/ok.arrow\n  csv: ./data/t.csv\n---\n\n# Mine\n";
  const problems = offlineSqlProblems("docs/mine.md", page);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /^docs\/mine\.md: front matter sql\.safety: \.\/data\/safety\.parquet needs a DuckDB extension/);
  assert.match(problems[0]!, /parquetSql\(\{safety: FileAttachment\("\.\/data\/safety\.parquet"\)\}\)/);
  assert.match(problems[1]!, /sql\.rows: \.\/data\/rows\.json/);
});

test("DuckDBClient given a Parquet file is an error; given the decoded table it is not", () => {
  const bad = 'const db = await DuckDBClient.of({gaia: FileAttachment("gaia.parquet"), "t2": FileAttachment(\'x.csv\')});';
  assert.deepEqual(
    offlineSqlProblems("docs/a.md", bad).map((p) => p.split(";")[0]),
    ["docs/a.md: DuckDBClient given gaia.parquet as table gaia: it needs a DuckDB extension that an offline site cannot load"],
  );
  assert.deepEqual(offlineSqlProblems("docs/b.md", 'const sql = DuckDBClient.sql({gaia: FileAttachment("gaia.parquet").parquet()});'), []);
  assert.deepEqual(offlineSqlProblems("docs/c.md", "---\nsql:\n  t: ./t.arrow\n---\n"), []);
});

test("the site's own pages pass", async () => {
  assert.deepEqual(await lintPages(SITE_ROOT), []);
});
