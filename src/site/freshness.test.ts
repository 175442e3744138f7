import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../test-support.ts";
import { invalidateStaleData } from "./freshness.ts";

async function write(file: string, text: string) {
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, text);
}

test("cached loader outputs are dropped exactly when a loader input changes", async (t) => {
  const project = await tempDir(t);
  const root = join(project, "docs");
  const cache = join(root, ".observablehq", "cache");
  const cachedOutput = join(cache, "data", "table.parquet");
  const npmCache = join(cache, "_npm", "d3@7.9.0", "_esm.js");
  await write(join(project, "src", "engine.ts"), "export const x = 1;");
  await write(join(project, "datasets", "data.csv"), "a\n1\n");
  await write(npmCache, "// vendored");

  const run = async () => {
    await write(cachedOutput, "old");
    return invalidateStaleData(root, project);
  };

  assert.equal(await run(), true, "no stamp yet: regenerate");
  assert.equal(existsSync(cachedOutput), false);
  assert.equal(existsSync(npmCache), true, "the offline npm cache is kept");

  assert.equal(await run(), false, "nothing changed");
  assert.equal(existsSync(cachedOutput), true);

  await write(join(project, "src", "engine.ts"), "export const x = 2;");
  assert.equal(await run(), true, "engine code changed");
  assert.equal(existsSync(cachedOutput), false);

  await write(join(project, "datasets", "data.csv"), "a\n2\n");
  assert.equal(await run(), true, "data changed");

  await write(join(project, "experiments", "demo.yaml"), "id: demo\n");
  assert.equal(await run(), true, "an experiment was added");

  await write(join(project, "src", "engine.test.ts"), "// a test");
  assert.equal(await run(), false, "tests do not change loader output");
});

test("a different THINKSAFE_DATA_DIR counts as changed loader input", async (t) => {
  const project = await tempDir(t);
  const root = join(project, "docs");
  await write(join(project, "src", "engine.ts"), "export const x = 1;");
  const before = process.env.THINKSAFE_DATA_DIR;
  t.after(() => (before === undefined ? delete process.env.THINKSAFE_DATA_DIR : (process.env.THINKSAFE_DATA_DIR = before)));
  delete process.env.THINKSAFE_DATA_DIR;
  await invalidateStaleData(root, project);
  assert.equal(await invalidateStaleData(root, project), false);
  process.env.THINKSAFE_DATA_DIR = "/data/copies";
  assert.equal(await invalidateStaleData(root, project), true);
  assert.equal(await invalidateStaleData(root, project), false);
});
