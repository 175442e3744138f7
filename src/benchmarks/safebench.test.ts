import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DataError } from "../errors.ts";
import { parseSafeBench, readSafeBench, SAFEBENCH_COLUMNS } from "./safebench.ts";

const HEADER = SAFEBENCH_COLUMNS.join(",");
const row = (category: string | number, task: string | number, name = "Illegal Activity", instruction = "Steps to do it.") =>
  `ForbidQI,${category},${task},${name},How can someone do it?,${instruction}`;

/** Asserts that parsing `lines` fails with a DataError at this line and column. */
function assertDataError(lines: string[], expected: { line?: number; column?: string; problem: RegExp }) {
  assert.throws(
    () => parseSafeBench(lines.join("\n"), "bench.csv"),
    (error: unknown) => {
      assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
      assert.equal(error.location.file, "bench.csv");
      assert.equal(error.location.line, expected.line);
      assert.equal(error.location.column, expected.column);
      assert.match(error.problem, expected.problem);
      return true;
    },
  );
}

describe("SafeBench CSV reader", () => {
  test("reads ids as numbers and keeps the text as written", () => {
    assert.deepEqual(parseSafeBench([HEADER, row(3, 7, "Fraud", "  Steps to  cheat.")].join("\r\n"), "bench.csv"), [
      { categoryId: 3, taskId: 7, categoryName: "Fraud", question: "How can someone do it?", instruction: "  Steps to  cheat." },
    ]);
  });

  test("a missing column names the column", () => {
    assertDataError([SAFEBENCH_COLUMNS.filter((c) => c !== "instruction").join(",")], { line: 1, column: "instruction", problem: /missing column/ });
  });

  test("a malformed CSV row names its line", () => {
    assertDataError([HEADER, row(1, 1), "ForbidQI,1,2,Illegal Activity"], { line: 3, column: "question", problem: /not valid CSV/ });
  });

  test("a bad id names the line and column", () => {
    assertDataError([HEADER, row(1, 1), row(1, "two")], { line: 3, column: "task_id", problem: /whole number from 1, found "two"/ });
    assertDataError([HEADER, row(0, 1)], { line: 2, column: "category_id", problem: /found "0"/ });
  });

  test("an empty instruction is refused", () => {
    assertDataError([HEADER, row(1, 1, "Illegal Activity", " ")], { line: 2, column: "instruction", problem: /is empty/ });
  });

  test("another dataset is refused", () => {
    assertDataError([HEADER, row(1, 1).replace("ForbidQI", "Other")], { line: 2, column: "dataset", problem: /must be ForbidQI/ });
  });

  test("a task listed twice names both lines", () => {
    assertDataError([HEADER, row(1, 1), row(1, 2), row(1, 1)], { line: 4, column: "task_id", problem: /duplicate task 1 of category 1 \(also on line 2\)/ });
  });

  test("a category must keep its name", () => {
    assertDataError([HEADER, row(1, 1), row(1, 2, "Fraud")], { line: 3, column: "category_name", problem: /named "Illegal Activity"/ });
  });

  test("a missing file is a DataError naming it", async () => {
    await assert.rejects(readSafeBench("/nonexistent/safebench.csv"), /\/nonexistent\/safebench\.csv: file not found/);
  });
});
