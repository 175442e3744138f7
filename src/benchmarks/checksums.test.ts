import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { test } from "node:test";
import { readChecksums, verifyShippedData } from "./checksums.ts";

test("every shipped data file is listed in datasets/SHA256SUMS and matches it", async () => {
  const listed = (await readChecksums()).map((entry) => entry.path).sort();
  const entries = await readdir(new URL("../../datasets/", import.meta.url), { recursive: true, withFileTypes: true });
  // Data, not documentation or license texts.
  const shipped = entries
    .filter((e) => e.isFile() && !/(\.md|SHA256SUMS|LICENSE.*|COPYING|copyright|GPL.*)$/.test(e.name))
    .map((e) => `${e.parentPath.split("/datasets/")[1] ?? ""}/${e.name}`.replace(/^\//, ""))
    .sort();
  assert.deepEqual(listed, shipped, "regenerate with: cd datasets && sha256sum <files> > SHA256SUMS");
  assert.deepEqual(await verifyShippedData(), []);
});
