// Tests of the TiS statistics (tis_composition, tis_lengths, tis_length_summary, tis_funnel) on
// hand-made rows. Every expected row is computed here in TypeScript, independently of the SQL:
// groups by Map, length bins by log2, medians by sorting, the funnel by walking the checks in the
// build's order (DROP_REASONS).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DROP_REASONS } from "../tis/pipeline/filters.ts";
import { Database, type Cell } from "../duckdb/database.ts";
import { openStatisticsDatabase } from "./sql-files.ts";
import { computeTis, TIS_INPUTS } from "./tis.ts";

interface R {
  dataset: string;
  sim?: boolean;
  source: string;
  harm: string | null;
  thinking: number;
  answer: number;
  refusal?: boolean;
  harmful?: boolean | null;
}

interface F {
  dataset: string;
  sim?: boolean | null;
  position: number;
  reason: string | null;
  detail?: string;
}

async function withTis<T>(records: R[], filtered: F[], body: (db: Database) => Promise<T>): Promise<T> {
  const db = await openStatisticsDatabase();
  try {
    await db.createTable("tis_records", TIS_INPUTS.tis_records, records.map((r): Cell[] => [r.dataset, r.sim ?? false, r.source, r.harm, r.thinking, r.answer, r.refusal ?? false, r.harmful ?? null]));
    await db.createTable("tis_filtered", TIS_INPUTS.tis_filtered, filtered.map((f): Cell[] => [f.dataset, f.sim ?? null, f.position, f.reason === null, f.reason, f.reason === null ? null : (f.detail ?? `${f.reason} at ${f.position}`)]));
    await computeTis(db);
    return await body(db);
  } finally {
    db.close();
  }
}

const RECORDS: R[] = [
  { dataset: "real", source: "vlguard", harm: null, thinking: 140, answer: 126, refusal: false },
  { dataset: "real", source: "vlguard", harm: null, thinking: 110, answer: 62, refusal: true },
  { dataset: "real", source: "vlguard", harm: "privacy", thinking: 15, answer: 16, refusal: true },
  { dataset: "real", source: "spa-vl", harm: "illegal_activity", thinking: 102, answer: 63, refusal: true },
  { dataset: "real", source: "spa-vl", harm: "illegal_activity", thinking: 0, answer: 4096, refusal: false },
  { dataset: "demo", sim: true, source: "file", harm: null, thinking: 120, answer: 80, harmful: false },
  { dataset: "demo", sim: true, source: "file", harm: "privacy", thinking: 31, answer: 32, refusal: true, harmful: true },
  { dataset: "demo", sim: true, source: "file", harm: "privacy", thinking: 4095, answer: 1, refusal: true, harmful: true },
  { dataset: "demo", sim: true, source: "file", harm: null, thinking: 128, answer: 127, harmful: null },
];

describe("tis_composition.sql", () => {
  test("counts records per data set, source and harm category, with shares, refusals and labels", async () => {
    const groups = new Map<string, R[]>();
    for (const r of RECORDS) {
      const key = JSON.stringify([r.dataset, r.source, r.harm]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const totals = (dataset: string) => RECORDS.filter((r) => r.dataset === dataset).length;
    const expected = [...groups].map(([key, rows]) => {
      const [dataset, source, harm] = JSON.parse(key) as [string, string, string | null];
      return {
        dataset,
        is_simulated: rows.some((r) => r.sim ?? false),
        source,
        harm_category: harm,
        n: rows.length,
        share: rows.length / totals(dataset),
        refusals: rows.filter((r) => r.refusal).length,
        labelled_harmful: rows.filter((r) => r.harmful === true).length,
        labelled_benign: rows.filter((r) => r.harmful === false).length,
      };
    });
    // Data set, source, then category with the records without one last.
    const order = (x: (typeof expected)[number]) => [x.dataset, x.source, x.harm_category ?? "\uffff"].join("\u0000");
    expected.sort((a, b) => (order(a) < order(b) ? -1 : 1));
    await withTis(RECORDS, [], async (db) => {
      assert.deepEqual(await db.rows("SELECT * FROM tis_composition"), expected);
    });
    // Spot checks of the above by hand: demo has 4 records, 2 of them privacy from a file, both refusals and labelled harmful.
    assert.deepEqual(expected.find((e) => e.dataset === "demo" && e.harm_category === "privacy"), {
      dataset: "demo", is_simulated: true, source: "file", harm_category: "privacy", n: 2, share: 0.5, refusals: 2, labelled_harmful: 2, labelled_benign: 0,
    });
  });
});

/** The doubling bin of a length: 1-15 → 0, 16-31 → 1, 32-63 → 2, …, 2048-4095 → 8, 4096 and more → 9. */
function binOf(words: number): number {
  return words < 16 ? 0 : Math.min(9, Math.floor(Math.log2(words)) - 3);
}

describe("tis_lengths.sql", () => {
  test("bins thinking and answer lengths on the doubling edges, with shares per data set and measure", async () => {
    const expected: Record<string, unknown>[] = [];
    for (const dataset of ["demo", "real"]) {
      for (const measure of ["thinking", "answer"] as const) {
        const words = RECORDS.filter((r) => r.dataset === dataset).map((r) => (measure === "thinking" ? r.thinking : r.answer)).filter((w) => w > 0);
        const bins = [...new Set(words.map(binOf))].sort((a, b) => a - b);
        for (const bin of bins) {
          const n = words.filter((w) => binOf(w) === bin).length;
          const min = bin === 0 ? 1 : 2 ** (bin + 3);
          expected.push({
            dataset,
            is_simulated: dataset === "demo",
            measure,
            bin,
            words_min: min,
            words_max: bin === 9 ? null : 2 ** (bin + 4) - 1,
            n,
            share: n / words.length,
          });
        }
      }
    }
    await withTis(RECORDS, [], async (db) => {
      assert.deepEqual(await db.rows("SELECT * FROM tis_lengths"), expected);
      // By hand: the edges. 15 → 1-15, 16 → 16-31, 31 → 16-31, 32 → 32-63, 4095 → 2048-4095, 4096 → open bin.
      const bin = async (dataset: string, measure: string, words: number) =>
        (await db.rows(`SELECT words_min, words_max FROM tis_lengths WHERE dataset = '${dataset}' AND measure = '${measure}' AND words_min <= ${words} AND (words_max IS NULL OR words_max >= ${words})`))[0];
      assert.deepEqual(await bin("real", "thinking", 15), { words_min: 1, words_max: 15 });
      assert.deepEqual(await bin("real", "answer", 16), { words_min: 16, words_max: 31 });
      assert.deepEqual(await bin("demo", "thinking", 31), { words_min: 16, words_max: 31 });
      assert.deepEqual(await bin("demo", "answer", 32), { words_min: 32, words_max: 63 });
      assert.deepEqual(await bin("demo", "thinking", 4095), { words_min: 2048, words_max: 4095 });
      assert.deepEqual(await bin("real", "answer", 4096), { words_min: 4096, words_max: null });
      // The record without thinking is in no thinking bin: real has 4 thinking lengths, 5 answers.
      assert.deepEqual(await db.rows("SELECT measure, sum(n)::INTEGER AS n, sum(share) AS shares FROM tis_lengths WHERE dataset = 'real' GROUP BY measure ORDER BY measure"), [
        { measure: "answer", n: 5, shares: 1 },
        { measure: "thinking", n: 4, shares: 1 },
      ]);
    });
  });
});

describe("tis_length_summary.sql", () => {
  test("min, continuous median, mean and max over the records with the text; those without are counted apart", async () => {
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(s.length / 2);
      return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
    };
    const expected: Record<string, unknown>[] = [];
    for (const dataset of ["demo", "real"]) {
      for (const measure of ["thinking", "answer"] as const) {
        const all = RECORDS.filter((r) => r.dataset === dataset).map((r) => (measure === "thinking" ? r.thinking : r.answer));
        const words = all.filter((w) => w > 0);
        expected.push({
          dataset,
          is_simulated: dataset === "demo",
          measure,
          n: words.length,
          n_without: all.length - words.length,
          min_words: Math.min(...words),
          median_words: median(words),
          mean_words: words.reduce((a, b) => a + b, 0) / words.length,
          max_words: Math.max(...words),
        });
      }
    }
    await withTis(RECORDS, [], async (db) => {
      assert.deepEqual(await db.rows("SELECT * FROM tis_length_summary"), expected);
    });
    // By hand: real thinking is 140, 110, 15, 102 (and one without): median (102 + 110) / 2 = 106.
    assert.deepEqual(expected.find((e) => e.dataset === "real" && e.measure === "thinking"), {
      dataset: "real", is_simulated: false, measure: "thinking", n: 4, n_without: 1, min_words: 15, median_words: 106, mean_words: 91.75, max_words: 140,
    });
  });
});

describe("tis_funnel.sql", () => {
  const FILTERED: F[] = [
    ...["duplicate", null, "malformed_tags", null, "duplicate", "harmful_complied", "thinking_too_short", null, "benign_refused", "malformed_tags"].map(
      (reason, i): F => ({ dataset: "demo", sim: i === 0 ? null : true, position: i, reason, ...(reason === "malformed_tags" && { detail: i === 2 ? "no closing </think>" : "2 <think> tags" }) }),
    ),
    { dataset: "clean", position: 0, reason: null },
    { dataset: "clean", position: 1, reason: null },
  ];

  /** The funnel walked in the build's order: each check sees what the earlier ones left. */
  function expectedFunnel(dataset: string) {
    const rows = FILTERED.filter((f) => f.dataset === dataset);
    let left = rows.length;
    return DROP_REASONS.map((reason, i) => {
      const mine = rows.filter((f) => f.reason === reason).sort((a, b) => a.position - b.position);
      const row = { step: i + 1, check_id: reason, rows_in: left, dropped: mine.length, rows_out: left - mine.length, dropped_share: left > 0 ? mine.length / left : null, example_detail: mine[0] ? (mine[0].detail ?? `${reason} at ${mine[0].position}`) : null };
      left -= mine.length;
      return row;
    });
  }

  test("every check in the build's order, each seeing the items the earlier ones left, with an example reason", async () => {
    await withTis([], FILTERED, async (db) => {
      const columns = "step, check_id, rows_in, dropped, rows_out, dropped_share, example_detail";
      assert.deepEqual(await db.rows(`SELECT ${columns} FROM tis_funnel WHERE dataset = 'demo'`), expectedFunnel("demo"));
      assert.deepEqual(await db.rows(`SELECT ${columns} FROM tis_funnel WHERE dataset = 'clean'`), expectedFunnel("clean"));
      // By hand: demo's 10 items lose 2 duplicates, then 2 malformed (8 in, 6 out), 1 too short, 1 complied, 1 refused: 3 kept.
      const demo = await db.rows("SELECT check_id, rows_in, dropped, rows_out, example_detail, is_simulated, stage FROM tis_funnel WHERE dataset = 'demo' AND dropped > 0");
      assert.deepEqual(demo.map((d) => [d.check_id, d.rows_in, d.dropped, d.rows_out]), [
        ["duplicate", 10, 2, 8],
        ["malformed_tags", 8, 2, 6],
        ["thinking_too_short", 6, 1, 5],
        ["harmful_complied", 5, 1, 4],
        ["benign_refused", 4, 1, 3],
      ]);
      assert.equal(demo[1]!.example_detail, "no closing </think>", "the first dropped item's detail");
      assert.ok(demo.every((d) => d.is_simulated === true), "a data set with any simulated item is simulated");
      assert.equal(demo[0]!.stage, "deduplication");
      const kept = FILTERED.filter((f) => f.dataset === "demo" && f.reason === null).length;
      assert.deepEqual(await db.rows("SELECT rows_out FROM tis_funnel WHERE dataset = 'demo' ORDER BY step DESC LIMIT 1"), [{ rows_out: kept }], "the last check leaves the kept items");
      assert.deepEqual(await db.rows("SELECT DISTINCT is_simulated FROM tis_funnel WHERE dataset = 'clean'"), [{ is_simulated: null }], "no simulated flag is made up");
    });
  });

  test("lists exactly the build's drop reasons, in the order its checks run", async () => {
    await withTis([], [{ dataset: "x", position: 0, reason: null }], async (db) => {
      const checks = await db.rows("SELECT check_id FROM tis_funnel ORDER BY step");
      assert.deepEqual(checks.map((c) => c.check_id), [...DROP_REASONS]);
    });
  });
});
