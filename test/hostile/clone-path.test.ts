// A clone whose path holds an apostrophe (/home/o'brien/thinksafe): every file path reaches SQL as
// a parameter or a quoted literal, so the loaders, eval, judge and stats work there as anywhere.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { tarMembers, tempDir } from "../../src/test-support.ts";
import { runCli } from "./support.ts";

const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));

test("a clone under a path with an apostrophe: loaders, eval, judge and stats", { timeout: 300_000 }, async (t) => {
  const root = await tempDir(t, "thinksafe-clone-");
  const clone = join(root, "o'brien's clone", "thinksafe");
  await mkdir(clone, { recursive: true });
  for (const entry of ["src", "datasets", "experiments", "data-loaders", "package.json", "tsconfig.json", "test/hostile/measured-cli.ts"]) {
    await cp(join(PROJECT_DIR, entry), join(clone, entry), { recursive: true });
  }
  await symlink(join(PROJECT_DIR, "node_modules"), join(clone, "node_modules"));
  // The site study's model answers from the project's response cache (content-addressed, written atomically).
  await mkdir(join(clone, ".thinksafe"));
  await symlink(join(PROJECT_DIR, ".thinksafe", "cache"), join(clone, ".thinksafe", "cache"));

  // The site's data loader reads files by path in SQL: the judge-agreement CSV, the study's and the TiS folder's Parquet.
  const loader = spawnSync(process.execPath, ["--import", "tsx", join("data-loaders", "data.tar.ts")], { cwd: clone, encoding: "buffer", maxBuffer: 256 * 1024 * 1024 });
  assert.equal(loader.status, 0, `data.tar.ts: ${loader.stderr.toString()}`);
  const members = new Map((await tarMembers(loader.stdout)).map((member) => [member.name, member.bytes]));
  for (const table of ["judge_agreement", "tis_composition", "degradation"]) {
    assert.equal(members.get(`${table}.parquet`)?.subarray(0, 4).toString("latin1"), "PAR1", `data.tar.ts printed ${table}.parquet`);
  }

  // A run, judged and measured, inside the clone.
  const file = join(clone, "experiments", "apostrophe.yaml");
  await writeFile(file, "id: apostrophe\nmodels:\n  - {id: sim, model: sim/r1-onevision-7b, simulated: true}\nbenchmarks: [{id: figstep, subset: tiny, limit: 3}]\njudges: [{id: refusal-keywords}]\n");
  const out = join(clone, "runs", "it's here");
  const evaluated = await runCli(t, root, ["eval", file, "--out", out, "--cache", join(clone, ".thinksafe", "cache")], {}, clone);
  assert.equal(evaluated.code, 0, evaluated.err);
  const judged = await runCli(t, root, ["judge", out, "--no-calibrate"], {}, clone);
  assert.equal(judged.code, 0, judged.err);
  const stats = await runCli(t, root, ["stats", out, "--format", "json"], {}, clone);
  assert.equal(stats.code, 0, stats.err);
  // The keyword judge judges answers only: one safety row, the model's answers.
  const safety = (JSON.parse(stats.out) as { safety: Array<{ target: string }> }).safety;
  assert.deepEqual(safety.map((row) => row.target), ["answer"]);
});

