// Every kind of bad input a careless user gives the CLI, in one table: each case is exit 2 with a
// message naming the file (and line, for specs) and the real problem, never DuckDB's SQL, a stack
// or "unexpected error".
import assert from "node:assert/strict";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { main } from "./main.ts";

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "thinksafe", ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** What no message for bad input may contain. */
const LEAKS = /unexpected error|LINE \d|SELECT |read_parquet|\n\s+at |Invalid Input Error|Binder Error/;

/** Exit 2 and exactly one error line (after any progress lines), matching `expected`, leaking nothing. */
function assertClean(result: { code: number; err: string }, expected: RegExp | string): void {
  assert.equal(result.code, 2, result.err);
  assert.doesNotMatch(result.err, LEAKS);
  const errors = result.err.split("\n").filter((line) => line.startsWith("thinksafe: "));
  assert.equal(errors.length, 1, result.err);
  if (typeof expected === "string") assert.ok(errors[0]!.includes(expected), `"${errors[0]}" lacks "${expected}"`);
  else assert.match(errors[0]!, expected);
}

const MODELS = "models:\n  - {id: a, model: sim/r1-onevision-7b, simulated: true}\n";
/** A valid experiment with `tail` appended (line 6 onwards). */
const spec = (tail: string) => `id: errors\n${MODELS}benchmarks:\n  - {id: figstep, subset: tiny, limit: 2}\n${tail}`;

const SPEC_CASES: Array<{ name: string; yaml: string; expected: RegExp }> = [
  { name: 'repeats: "three"', yaml: spec('repeats: "three"\n'), expected: /spec\.yaml:6: repeats: expected a whole number, found text "three"$/ },
  { name: 'repeats: "3" (a number in quotes)', yaml: spec('repeats: "3"\n'), expected: /spec\.yaml:6: repeats: expected a whole number, found text "3" \(write it without quotes: repeats: 3\)$/ },
  { name: "repeats: 2.5", yaml: spec("repeats: 2.5\n"), expected: /spec\.yaml:6: repeats: expected a whole number, found the number 2\.5$/ },
  { name: "repeats: 0", yaml: spec("repeats: 0\n"), expected: /spec\.yaml:6: repeats: expected a whole number greater than 0, found the number 0$/ },
  { name: "concurrency: many", yaml: spec("description: a test\nconcurrency: many\n"), expected: /spec\.yaml:7: concurrency: expected a whole number, found text "many"$/ },
  { name: "temperature: hot", yaml: spec("generation:\n  max_tokens: 64\n  temperature: hot\n"), expected: /spec\.yaml:8: generation\.temperature: expected a number, found text "hot"$/ },
  { name: "a model's temperature: hot", yaml: `id: errors\nmodels:\n  - id: a\n    model: sim/r1-onevision-7b\n    simulated: true\n    generation: {temperature: hot}\nbenchmarks:\n  - {id: figstep}\n`, expected: /spec\.yaml:6: models\[0\]\.generation\.temperature: expected a number, found text "hot"$/ },
  { name: "stream: yes please", yaml: `id: errors\nmodels:\n  - {id: a, model: m, simulated: true, stream: yes please}\nbenchmarks:\n  - {id: figstep}\n`, expected: /spec\.yaml:3: models\[0\]\.stream: expected true or false, found text "yes please"$/ },
  { name: "mode: onlin", yaml: `id: errors\nmodels:\n  - {id: a, model: m, simulated: true, mode: onlin}\nbenchmarks:\n  - {id: figstep}\n`, expected: /spec\.yaml:3: models\[0\]\.mode: expected one of online, batch, found text "onlin"$/ },
  { name: "models: one model", yaml: `id: errors\nmodels: one model\nbenchmarks:\n  - {id: figstep}\n`, expected: /spec\.yaml:2: models: expected a list, found text "one model"$/ },
  { name: "an unknown benchmark id", yaml: spec("").replace("benchmarks:\n", "benchmarks:\n  - {id: figstep}\n  - {id: figstpe}\n"), expected: /spec\.yaml:6: benchmarks\[1\]\.id: unknown benchmark "figstpe" \(known benchmarks: figstep, /},
  { name: "an unknown subset", yaml: spec("").replace("subset: tiny", "subset: huge"), expected: /spec\.yaml:5: benchmarks\[0\]\.subset: figstep has no subset "huge" \(its subsets: safebench, tiny, pro, tiny-pro\)$/ },
  { name: "an empty file", yaml: "", expected: /spec\.yaml: the file is empty \(it needs at least id, models, benchmarks\)$/ },
  { name: "a file of comments", yaml: "# my experiment\n# (to do)\n", expected: /spec\.yaml: the file is empty \(it needs at least id, models, benchmarks\)$/ },
  { name: "a list, not a mapping", yaml: "- id: errors\n", expected: /spec\.yaml:1: expected a mapping of fields \(id: …, models: …, benchmarks: …\), found a list$/ },
  { name: "a misspelled field", yaml: spec("repeat: 3\n"), expected: /spec\.yaml:6: repeat: unknown field \(known fields here: .*repeats/ },
  { name: "an unknown judge", yaml: spec("judges:\n  - {id: refusal-keywords}\n  - {id: llm-judje, model: sim/judge, simulated: true}\n"), expected: /spec\.yaml:8: judges\[1\]\.id: unknown judge "llm-judje" \(known judges: refusal-keywords, llm-judge, llama-guard\)$/ },
];

describe("a bad experiment spec: exit 2 at the field's own line with what was expected and found", () => {
  const dir = mkdtempSync(join(tmpdir(), "thinksafe-errors-"));
  after(() => rm(dir, { recursive: true, force: true }));
  for (const { name, yaml, expected } of SPEC_CASES) {
    test(name, async () => {
      const file = join(dir, name.replace(/\W+/g, "-"), "spec.yaml");
      await mkdir(join(file, ".."), { recursive: true });
      await writeFile(file, yaml);
      assertClean(await run("eval", file, "--out", join(dir, "run"), "--no-calibrate"), expected);
    });
  }

  test("an empty TiS build spec says so too", async () => {
    const file = join(dir, "build.yaml");
    await writeFile(file, "\n");
    assertClean(await run("tis", "build", file, "--out", join(dir, "build")), /build\.yaml: the file is empty \(it needs at least id, safety_spec, inputs, captioner, teacher, judge\)$/);
  });
});

describe("a bad Parquet file: every command that reads it says so in one clean line, exit 2", () => {
  const root = mkdtempSync(join(tmpdir(), "thinksafe-errors-parquet-"));
  after(() => rm(root, { recursive: true, force: true }));
  const experiment = join(root, "experiment.yaml");
  const good = join(root, "good");
  const shards = join(root, "shards");

  before(async () => {
    await writeFile(experiment, spec("judges:\n  - {id: refusal-keywords}\n"));
    const cache = ["--cache", join(root, "cache"), "--no-calibrate"];
    assert.equal((await run("eval", experiment, "--out", good, ...cache)).code, 0);
    for (const shard of ["1/2", "2/2"]) assert.equal((await run("eval", experiment, "--out", shards, "--shard", shard, ...cache)).code, 0);
  });

  const BAD: Array<{ name: string; bytes: (good: Buffer) => Buffer; expected: string }> = [
    { name: "empty (0 bytes)", bytes: () => Buffer.alloc(0), expected: "the file is empty (0 bytes)" },
    { name: "cut short", bytes: (b) => b.subarray(0, Math.floor(b.length / 2)), expected: "a Parquet file cut short: it does not end with Parquet's footer (PAR1)" },
    { name: "another format (JSON)", bytes: () => Buffer.from('{"rows": []}\n'), expected: "not a Parquet file: it does not start with Parquet's magic bytes (PAR1)" },
    { name: "magic bytes around garbage", bytes: () => Buffer.from(`PAR1${"x".repeat(64)}PAR1`), expected: "cannot be read: " },
    { name: "too short to be anything", bytes: () => Buffer.from("PAR1"), expected: "not a Parquet file: 4 bytes is too short to hold one" },
  ];

  /** The commands reading each file, run on a copy of the good run folder where that file is bad. */
  const COMMANDS: Array<{ name: string; file: string; args: (dir: string) => string[]; from: () => string }> = [
    { name: "judge", file: "responses.parquet", args: (dir) => ["judge", dir, "--experiment", experiment, "--no-calibrate", "--cache", join(root, "cache")], from: () => good },
    { name: "stats (responses)", file: "responses.parquet", args: (dir) => ["stats", dir], from: () => good },
    { name: "stats (judgments)", file: "judgments.parquet", args: (dir) => ["stats", dir], from: () => good },
    { name: "merge (a shard)", file: "responses.shard-2-of-2.parquet", args: (dir) => ["merge", experiment, "--out", dir, "--no-calibrate"], from: () => shards },
  ];

  for (const command of COMMANDS) {
    for (const bad of BAD) {
      test(`${command.name}: ${command.file} ${bad.name}`, async () => {
        const dir = join(root, `${command.name}-${bad.name}`.replace(/\W+/g, "-"));
        await cp(command.from(), dir, { recursive: true });
        const file = join(dir, command.file);
        await writeFile(file, bad.bytes(await readFile(file)));
        assertClean(await run(...command.args(dir)), `${file}: ${bad.expected}`);
      });
    }
  }

  test("judge: a Parquet file that is not a responses table names the missing columns", async () => {
    const dir = join(root, "judge-wrong-table");
    await cp(good, dir, { recursive: true });
    await cp(join(dir, "judgments.parquet"), join(dir, "responses.parquet"));
    assertClean(await run("judge", dir, "--experiment", experiment, "--no-calibrate"), `${join(dir, "responses.parquet")}, column "prompt": missing columns prompt, answer, thinking, error`);
  });

  test("judge: a damaged manifest.json is named, not a JSON stack", async () => {
    const dir = join(root, "judge-bad-manifest");
    await cp(good, dir, { recursive: true });
    await writeFile(join(dir, "manifest.json"), '{"experiment": ');
    assertClean(await run("judge", dir), `${join(dir, "manifest.json")}: not a JSON object (a damaged run manifest)`);
  });
});
