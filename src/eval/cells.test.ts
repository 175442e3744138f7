import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parseExperiment } from "../experiments/load.ts";
import { tempDir } from "../test-support.ts";
import type { RunCell } from "./cells.ts";
import { runExperiment } from "./run-experiment.ts";

const SPEC = `id: cells-test
models:
  - {id: reasoner, model: sim/r1-onevision-7b, simulated: true, base: base}
  - {id: base, model: sim/qwen2.5-vl-7b-instruct, simulated: true}
  - {id: remote, model: org/remote, base_url_env: THINKSAFE_TEST_UNSET_URL}
benchmarks:
  - {id: figstep, subset: tiny, limit: 3}
  - {id: siuo, limit: 2}
timeout_s: 10
`;

test('missing: "record" runs what it can and records every model × benchmark cell, with why the rest is missing', async (t) => {
  const dir = await tempDir(t);
  const experiment = parseExperiment(SPEC, "cells.yaml", { env: {} });
  const run = (outDir: string) =>
    runExperiment(experiment, { outDir, cacheDir: join(dir, "cache"), data: { dataDir: null }, missing: "record", log: () => {} });
  const cellsOf = async (outDir: string) => (JSON.parse(await readFile(join(outDir, "manifest.json"), "utf8")) as { cells: RunCell[] }).cells;

  const first = await run(join(dir, "first"));
  assert.equal(first.rows, 9, "3 models × 3 FigStep samples; SIUO has no images here");
  const cells = await cellsOf(join(dir, "first"));
  const cell = (model: string, benchmark: string) => cells.find((c) => c.model_id === model && c.benchmark_id === benchmark)!;
  assert.equal(cells.length, 6);
  assert.deepEqual(
    { ...cell("reasoner", "figstep") },
    { model_id: "reasoner", base_model_id: "base", benchmark_id: "figstep", subset: "tiny", status: "answered", planned: 3, answered: 3, from_cache: 0, errors: 0, reason: null },
  );
  assert.equal(cell("remote", "figstep").status, "missing");
  assert.equal(cell("remote", "figstep").errors, 3);
  assert.match(cell("remote", "figstep").reason!, /^endpoint: not configured: set THINKSAFE_TEST_UNSET_URL/);
  assert.equal(cell("base", "siuo").subset, "gen", "the default subset is named");
  assert.match(cell("base", "siuo").reason!, /^benchmark data missing: .*siuo/);
  assert.match(cell("remote", "siuo").reason!, /^endpoint: .*; benchmark data missing: /);

  // A rerun answers everything from the cache, and says so.
  await run(join(dir, "second"));
  const again = await cellsOf(join(dir, "second"));
  assert.deepEqual(
    again.filter((c) => c.benchmark_id === "figstep" && c.model_id !== "remote").map((c) => [c.status, c.from_cache]),
    [["cached", 3], ["cached", 3]],
  );
});

test('without missing: "record", a benchmark without its data stops the run before any request', async (t) => {
  const dir = await tempDir(t);
  const experiment = parseExperiment(SPEC, "cells.yaml", { env: {} });
  await assert.rejects(
    runExperiment(experiment, { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), data: { dataDir: null }, log: () => {} }),
    /siuo/,
  );
});

test("when no model can be asked, the run only counts what data is missing (no images are loaded)", async (t) => {
  const dir = await tempDir(t);
  const experiment = parseExperiment(
    `id: nobody
models: [{id: remote, model: org/remote, base_url_env: THINKSAFE_TEST_UNSET_URL}]
benchmarks: [{id: figstep, subset: tiny}, {id: mssbench}]
`,
    "nobody.yaml",
    { env: {} },
  );
  const summary = await runExperiment(experiment, { outDir: join(dir, "out"), cacheDir: join(dir, "cache"), data: { dataDir: null }, missing: "record", log: () => {} });
  assert.equal(summary.rows, 0);
  const { cells } = JSON.parse(await readFile(join(dir, "out", "manifest.json"), "utf8")) as { cells: RunCell[] };
  assert.deepEqual(cells.map((c) => [c.benchmark_id, c.status, c.planned]), [["figstep", "missing", 0], ["mssbench", "missing", 0]]);
  assert.doesNotMatch(cells[0]!.reason!, /benchmark data missing/, "FigStep's data ships with thinksafe");
  assert.match(cells[1]!.reason!, /benchmark data missing: .*mssbench/);
});
