import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { tarMembers, tempDir } from "../test-support.ts";
import { packFiles } from "./archive.ts";

async function packed(dir: string, names: string[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  await packFiles(dir, names, out);
  return Buffer.concat(chunks);
}

test("the site's data archive holds the named files in order, and the same files give the same bytes", async (t) => {
  const dir = await tempDir(t, "thinksafe-archive-");
  await writeFile(join(dir, "b.parquet"), "PAR1 second");
  await writeFile(join(dir, "a.json"), JSON.stringify({ a: 1 }));
  await writeFile(join(dir, "not-published.txt"), "left out");
  const first = await packed(dir, ["b.parquet", "a.json"]);

  const members = (await tarMembers(first)).map(({ name, bytes, mtime }) => ({ name, text: bytes.toString(), mtime }));
  assert.deepEqual(members, [
    { name: "b.parquet", text: "PAR1 second", mtime: 0 },
    { name: "a.json", text: '{"a":1}', mtime: 0 },
  ]);

  // Rewritten later (new mtimes), in another folder: the same bytes.
  const other = join(dir, "again");
  await mkdir(other);
  await writeFile(join(other, "b.parquet"), "PAR1 second");
  await writeFile(join(other, "a.json"), JSON.stringify({ a: 1 }));
  assert.ok(first.equals(await packed(other, ["b.parquet", "a.json"])));
});

test("a published file that was not written fails the archive with its name", async (t) => {
  const dir = await tempDir(t, "thinksafe-archive-");
  await writeFile(join(dir, "a.json"), "{}");
  await assert.rejects(packed(dir, ["a.json", "degradation.parquet"]), /degradation\.parquet was not written/);
});
