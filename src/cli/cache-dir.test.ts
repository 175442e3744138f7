import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { tempDir } from "../test-support.ts";
import { commandCacheDir } from "./cache-dir.ts";

test("a command's cache: --cache, else $THINKSAFE_CACHE_DIR, else the run folder's recorded cache while it exists, else .thinksafe/cache", async (t) => {
  const dir = await tempDir(t);
  const run = join(dir, "run");
  const recorded = join(dir, "their-cache");
  await mkdir(run);
  const env = {};
  assert.equal(await commandCacheDir(undefined, run, env), resolve(".thinksafe", "cache"));

  // A shard's manifest records the cache as well as the merged run's does.
  await writeFile(join(run, "manifest.shard-1-of-2.json"), JSON.stringify({ cache_dir: recorded }));
  assert.equal(await commandCacheDir(undefined, run, env), resolve(".thinksafe", "cache"), "a recorded folder that is gone is not used");
  await mkdir(recorded);
  assert.equal(await commandCacheDir(undefined, run, env), recorded);

  assert.equal(await commandCacheDir(undefined, run, { THINKSAFE_CACHE_DIR: "from-env" }), resolve("from-env"));
  assert.equal(await commandCacheDir("from-flag", run, { THINKSAFE_CACHE_DIR: "from-env" }), resolve("from-flag"));

  await writeFile(join(run, "manifest.json"), "{ damaged");
  assert.equal(await commandCacheDir(undefined, run, env), recorded, "a damaged manifest is passed over");
});
