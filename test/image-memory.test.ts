// Memory follows the requests in flight, not the size of the data: the same run over six times as
// many distinct 4 MB images (64 MB, then 384 MB) peaks within a few tens of MB of the smaller one,
// where holding every image for the run (as samples did before they referred to their files) adds
// the data's size. The CLI runs in a child process that reports its own peak (test/hostile).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test, type TestContext } from "node:test";
import { encodeGrayPng } from "../src/benchmarks/gray-png.ts";
import { tempDir } from "../src/test-support.ts";
import { startHostileServer, type HostileServer } from "./hostile/server.ts";
import { KEY_VARIABLE, responseRows, runCli } from "./hostile/support.ts";

let server: HostileServer;
before(async () => {
  server = await startHostileServer();
});
after(() => server.close());

/** A user's POPE copy of `n` distinct 2000×2000 noise images, stored uncompressed (4 MB each). */
async function popeCopy(dir: string, n: number): Promise<string> {
  const dataDir = join(dir, "data");
  await mkdir(join(dataDir, "pope", "val2014"), { recursive: true });
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ question_id: i + 1, image: `${i}.png`, text: `Is there a dog in the image ${i + 1}?`, label: "no" }));
  await writeFile(join(dataDir, "pope", "coco_pope_random.json"), `${lines.join("\n")}\n`);
  for (let i = 0; i < n; i++) await writeFile(join(dataDir, "pope", "val2014", `${i}.png`), encodeGrayPng(2000, 2000, randomBytes(2000 * 2000), {}, { level: 0 }));
  return dataDir;
}

async function peakOf(t: TestContext, n: number): Promise<number> {
  const dir = await tempDir(t, "thinksafe-memory-");
  const dataDir = await popeCopy(dir, n);
  const file = join(dir, "experiment.yaml");
  await writeFile(file, `id: image-memory\nmodels:\n  - {id: good, model: good, base_url: "${server.url}", api_key_env: ${KEY_VARIABLE}}\nbenchmarks: [{id: pope}]\ndata_dir: ${JSON.stringify(dataDir)}\nconcurrency: 2\ntimeout_s: 60\n`);
  const run = await runCli(t, dir, ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")]);
  assert.equal(run.code, 0, run.err);
  const rows = await responseRows(join(dir, "out", "responses.parquet"));
  assert.equal(rows.filter((row) => row.error === null).length, n);
  return run.peakMb;
}

test("an eval's peak memory does not grow with the images' total size", { timeout: 600_000 }, async (t) => {
  const small = await peakOf(t, 16);
  const large = await peakOf(t, 96);
  t.diagnostic(`peak memory: ${small} MB over 64 MB of images, ${large} MB over 384 MB`);
  assert.ok(large - small < 64, `the peak grew by ${large - small} MB for 320 MB more images`);
});
