import assert from "node:assert/strict";
import { test } from "node:test";
import { AGREEMENT_TABLES, agreementDatabase } from "./index.ts";

test("the shipped data reproduces every metric JailbreakBench published for it", async () => {
  const db = await agreementDatabase();
  try {
    const rows = await db.rows("SELECT judge, reproduces FROM judge_reproduction ORDER BY judge");
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.filter((r) => r.reproduces !== true), []);
  } finally {
    db.close();
  }
});

test("human annotators appear as reference rows beside the judges", async () => {
  const db = await agreementDatabase();
  try {
    const kinds = await db.rows("SELECT judge_kind, count(*)::INTEGER AS n FROM judge_agreement GROUP BY ALL ORDER BY ALL");
    assert.deepEqual(kinds, [
      { judge_kind: "human", n: 3 },
      { judge_kind: "live", n: 1 },
      { judge_kind: "recorded", n: 4 },
    ]);
  } finally {
    db.close();
  }
});

test("every column name needs no quoting; judges are values, their explanations a column of the verdict rows", async () => {
  const db = await agreementDatabase();
  try {
    for (const table of Object.keys(AGREEMENT_TABLES)) {
      for (const { column_name } of await db.rows(`DESCRIBE ${table}`)) assert.match(String(column_name), /^[a-z_][a-z0-9_]*$/, `${table}.${column_name}`);
    }
    const explained = await db.rows(
      "SELECT judge_kind, count(*)::INTEGER AS n, count(explanation)::INTEGER AS explained FROM judge_verdicts GROUP BY ALL ORDER BY ALL",
    );
    assert.deepEqual(explained, [
      { judge_kind: "human", n: 900, explained: 0 },
      { judge_kind: "live", n: 300, explained: 300 },
      { judge_kind: "recorded", n: 1200, explained: 0 },
    ]);
  } finally {
    db.close();
  }
});
