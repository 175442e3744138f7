import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { tempDir } from "../test-support.ts";
import { Database, structOfText, type Cell, type Schema } from "./database.ts";

const SCHEMA = {
  id: "INTEGER",
  score: "DOUBLE",
  ok: "BOOLEAN",
  text: "VARCHAR",
  hashes: "VARCHAR[]",
  context: structOfText(["request", "typed_text", "situation"]),
} as const satisfies Schema;

/** Rows with what text can hold: quotes, backslashes, NUL, emoji, lone surrogates; NULL and empty lists and structs. */
function rows(n: number): Cell[][] {
  return Array.from({ length: n }, (_, i) => [
    i,
    i / 7,
    i % 2 === 0,
    i % 5 === 0 ? null : `row ${i}: "quoted" \\ back\u0000slash é 😀 ${i % 3 === 0 ? "lone \ud800 and \udfff" : ""}`,
    i % 4 === 0 ? [] : [`${i}`.padStart(64, "a"), `lone \udc00 ${i}`],
    i % 3 === 0 ? null : { request: `ask ${i} "\n"`, ...(i % 2 ? { typed_text: "typed \ud83d" } : {}) },
  ]);
}

describe("Database: tables from rows", () => {
  test("createTable and createRowsView hold the same values and write the same Parquet bytes", async (t) => {
    const dir = await tempDir(t);
    const files = { table: join(dir, "table.parquet"), view: join(dir, "view.parquet") };
    const read = async (make: (db: Database) => Promise<void>, file: string) => {
      const db = await Database.open();
      try {
        await make(db);
        await db.writeParquet("SELECT * FROM r", file, { "thinksafe.test": true }, { rowGroupSize: 4096 });
        return await db.rows("SELECT * FROM r ORDER BY id");
      } finally {
        db.close();
      }
    };
    const fromTable = await read((db) => db.createTable("r", SCHEMA, rows(10_000)), files.table);
    const fromView = await read((db) => db.createRowsView("r", SCHEMA, rows(10_000), join(dir, "rows.jsonl")), files.view);
    assert.deepEqual(fromView, fromTable);
    assert.ok((await readFile(files.view)).equals(await readFile(files.table)), "the same Parquet bytes");
    // Lone surrogates are U+FFFD, as the appender makes them; structs have every field; lists stay lists.
    assert.equal(fromTable[3]!.text, 'row 3: "quoted" \\ back\u0000slash é 😀 lone \ufffd and \ufffd');
    assert.deepEqual(fromTable[1]!.hashes, ["a".repeat(63) + "1", "lone \ufffd 1"]);
    assert.deepEqual(fromTable[1]!.context, { request: 'ask 1 "\n"', typed_text: "typed \ufffd", situation: null });
    assert.deepEqual([fromTable[0]!.hashes, fromTable[0]!.context, fromTable[5]!.text], [[], null, null]);
  });

  test("a cell of the wrong type names the table and column, in both", async (t) => {
    const dir = await tempDir(t);
    const db = await Database.open();
    try {
      const bad: Cell[][] = [[1, 1, true, "x", ["y"], { request: 3 as unknown as string }]];
      await assert.rejects(db.createTable("r", SCHEMA, bad), /r\.context: expected an object of text fields/);
      await assert.rejects(db.createRowsView("r", SCHEMA, bad, join(dir, "rows.jsonl")), /r\.context: expected an object of text fields/);
      await assert.rejects(db.createTable("r", SCHEMA, [[1.5, 1, true, "x", [], null]]), /r\.id: expected an integer/);
    } finally {
      db.close();
    }
  });
});
