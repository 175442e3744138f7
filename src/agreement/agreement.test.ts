import assert from "node:assert/strict";
import { test } from "node:test";
import { agreementDatabase } from "./index.ts";

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
