import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DataError } from "../errors.ts";
import { tempDir } from "../test-support.ts";
import { parseJudgeComparison, readJudgeComparison, REQUIRED_COLUMNS } from "./judge-comparison.ts";

const HEADER = REQUIRED_COLUMNS.join(",");
const row = (index: number, labels = "1,1,0,1,1,0,1,1", response = "Sure, here is how") =>
  `${index},goal ${index},prompt ${index},"${response}",${labels}`;

/** Asserts that `fn` throws a DataError whose location has these fields. */
function assertDataError(fn: () => unknown, expected: { line?: number; row?: number; column?: string; problem: RegExp }) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    if (expected.line !== undefined) assert.equal(error.location.line, expected.line);
    if (expected.row !== undefined) assert.equal(error.location.row, expected.row);
    if (expected.column !== undefined) assert.equal(error.location.column, expected.column);
    assert.match(error.problem, expected.problem);
    assert.match(error.message, /^data\.csv/);
    return true;
  });
}

describe("judge-comparison CSV reader", () => {
  test("reads labels as booleans, keyed by annotator and judge", () => {
    const [item] = parseJudgeComparison([HEADER, row(7)].join("\n"), "data.csv");
    assert.deepEqual(item, {
      index: 7,
      goal: "goal 7",
      prompt: "prompt 7",
      response: "Sure, here is how",
      humans: { human1: true, human2: true, human3: false },
      humanMajority: true,
      recorded: { harmbench_cf: true, gpt4_cf: false, llamaguard2_cf: true, llama3_cf: true },
    });
  });

  test("the shipped file has 300 responses", async () => {
    const items = await readJudgeComparison(new URL("../../datasets/jailbreakbench/judge-comparison.csv", import.meta.url).pathname);
    assert.equal(items.length, 300);
    assert.equal(items.filter((i) => i.humanMajority).length, 110);
  });

  test("a missing file names the file and the fix", async () => {
    await assert.rejects(readJudgeComparison("/nonexistent/judges.csv"), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /\/nonexistent\/judges\.csv: file not found \(give the path of a CSV/);
      return true;
    });
  });

  test("a missing column names the column", () => {
    const header = REQUIRED_COLUMNS.filter((c) => c !== "gpt4_cf").join(",");
    assertDataError(() => parseJudgeComparison(`${header}\n`, "data.csv"), { line: 1, column: "gpt4_cf", problem: /missing column/ });
  });

  test("a bad label names the line, data row and column, and shows the value", () => {
    const text = [HEADER, row(0), row(1, "1,1,0,1,yes,0,1,1")].join("\n");
    assertDataError(() => parseJudgeComparison(text, "data.csv"), { line: 3, row: 2, column: "harmbench_cf", problem: /must be 0 or 1, found "yes"/ });
  });

  test("lines are counted through multi-line quoted responses", () => {
    const text = [HEADER, row(0, undefined, "line one\nline two\nline three"), row(1, "1,1,0,1,1,0,2,1")].join("\n");
    assertDataError(() => parseJudgeComparison(text, "data.csv"), { line: 5, row: 2, column: "llamaguard2_cf", problem: /found "2"/ });
  });

  test("an empty label is an error, not a silent 0", () => {
    assertDataError(() => parseJudgeComparison([HEADER, row(0, "1,,0,1,1,0,1,1")].join("\n"), "data.csv"), { column: "human2", problem: /found ""/ });
  });

  test("human_majority must agree with the three annotators", () => {
    assertDataError(() => parseJudgeComparison([HEADER, row(0, "1,0,0,1,1,0,1,1")].join("\n"), "data.csv"), {
      row: 1,
      column: "human_majority",
      problem: /is 1 but 1 of 3 annotators say 1/,
    });
  });

  test("Index must be a whole number and unique", () => {
    assertDataError(() => parseJudgeComparison([HEADER, row(0).replace(/^0/, "x")].join("\n"), "data.csv"), { column: "Index", problem: /whole number/ });
    assertDataError(() => parseJudgeComparison([HEADER, row(3), row(3)].join("\n"), "data.csv"), { row: 2, column: "Index", problem: /duplicate Index 3 \(also on row 1\)/ });
  });

  test("a header without rows, an empty file and malformed CSV are errors", () => {
    assertDataError(() => parseJudgeComparison(`${HEADER}\n`, "data.csv"), { problem: /no data rows/ });
    assertDataError(() => parseJudgeComparison("", "data.csv"), { problem: /empty/ });
    assertDataError(() => parseJudgeComparison([HEADER, `${row(0)},extra`].join("\n"), "data.csv"), { line: 2, problem: /not valid CSV/ });
  });

  test("reads a file from disk with a BOM and CRLF line ends", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "judges.csv");
    await writeFile(file, `\uFEFF${[HEADER, row(0), row(1, "0,0,0,0,0,0,0,0")].join("\r\n")}\r\n`);
    const items = await readJudgeComparison(file);
    assert.deepEqual(items.map((i) => [i.index, i.humanMajority]), [[0, true], [1, false]]);
  });
});
