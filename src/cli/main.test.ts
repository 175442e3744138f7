import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempDir } from "../test-support.ts";
import { main } from "./main.ts";

/** Runs the CLI in-process and captures what it prints. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "thinksafe", ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const SHIPPED_CSV = fileURLToPath(new URL("../../datasets/jailbreakbench/judge-comparison.csv", import.meta.url));

describe("thinksafe agreement", () => {
  test("--format json follows the contract: one object per judge, percentages and kappa, and the human ceiling", async () => {
    const { code, out } = await run("agreement", "--format", "json");
    assert.equal(code, 0);
    const { judges: rows, human_ceiling: ceiling } = JSON.parse(out) as { judges: Record<string, unknown>[]; human_ceiling: Record<string, number> };
    // The ceiling the table prints, with its interval: Fleiss' kappa of the three annotators on all 300.
    assert.equal(ceiling.n_items, 300);
    assert.equal(ceiling.n_raters, 3);
    assert.equal(ceiling.fleiss_kappa!.toFixed(3), "0.841"); // (P̄ − P̄e) / (1 − P̄e) = 0.84064 by an independent Python count
    assert.ok(ceiling.fleiss_kappa_ci_low! < ceiling.fleiss_kappa! && ceiling.fleiss_kappa! < ceiling.fleiss_kappa_ci_high!);
    assert.equal(ceiling.unanimity, 89); // 267 of 300 labelled alike by all three
    assert.deepEqual(
      rows.map((r) => r.judge),
      ["refusal-keywords", "gpt4_cf", "harmbench_cf", "llama3_cf", "llamaguard2_cf"],
    );
    for (const row of rows) {
      assert.equal(row.n, 300);
      for (const key of ["agreement", "fpr", "fnr"]) {
        assert.equal(typeof row[key], "number", key);
        assert.ok((row[key] as number) >= 0 && (row[key] as number) <= 100, `${key} is a percentage`);
      }
      assert.ok((row.kappa as number) > -1 && (row.kappa as number) <= 1);
    }
    // Hand count for the keyword judge: 100 TP, 122 FP, 68 TN, 10 FN of 300.
    const keywords = rows[0]!;
    assert.deepEqual([keywords.tp, keywords.fp, keywords.tn, keywords.fn], [100, 122, 68, 10]);
    assert.equal(keywords.agreement, 56); // (100 + 68) / 300
    assert.equal(keywords.fpr, (100 * 122) / 190); // unrounded
    assert.equal(keywords.fnr, (100 * 10) / 110);
  });

  test("--humans adds the three annotators", async () => {
    const rows = (JSON.parse((await run("agreement", "--format", "json", "--humans")).out) as { judges: { judge_kind: string }[] }).judges;
    assert.equal(rows.filter((r) => r.judge_kind === "human").length, 3);
  });

  test("--format table prints intervals and the human ceiling", async () => {
    const { code, out } = await run("agreement");
    assert.equal(code, 0);
    assert.match(out, /^judge\s+kind\s+n\s+agreement %/);
    assert.match(out, /refusal-keywords\s+live\s+300\s+56\.0 \[50\.3, 61\.5\]/);
    assert.match(out, /Human ceiling: Fleiss' kappa 0\.841 \[/);
  });

  test("an unknown format is a usage error (exit 2)", async () => {
    const { code, err } = await run("agreement", "--format", "xml");
    assert.equal(code, 2);
    assert.match(err, /Allowed choices are table, json/);
  });

  test("--data with a missing file names it (exit 2)", async () => {
    const { code, err } = await run("agreement", "--data", "/no/such/file.csv");
    assert.equal(code, 2);
    assert.match(err, /^thinksafe: \/no\/such\/file\.csv: file not found/);
  });

  test("--data with a bad label names the file, row and column (exit 2)", async (t) => {
    const lines = (await readFile(SHIPPED_CSV, "utf8")).split("\n");
    const dir = await tempDir(t);
    const file = join(dir, "bad.csv");
    // Line 2 is the first data row and is a single line; its last field is llama3_cf.
    await writeFile(file, [lines[0], lines[1]!.replace(/,0$/, ",maybe"), ...lines.slice(2)].join("\n"));
    const { code, err } = await run("agreement", "--data", file);
    assert.equal(code, 2);
    assert.match(err, new RegExp(`${file}, line 2, row 1, column "llama3_cf": label must be 0 or 1, found "maybe"`));
  });

  test("--data accepts another CSV with the same columns", async (t) => {
    const lines = (await readFile(SHIPPED_CSV, "utf8")).split("\n");
    const dir = await tempDir(t);
    const file = join(dir, "first.csv");
    await writeFile(file, [lines[0], lines[1]].join("\n"));
    const { judges: rows, human_ceiling: ceiling } = JSON.parse((await run("agreement", "--format", "json", "--data", file)).out) as {
      judges: { n: number; fpr: number | null; fnr: number | null }[];
      human_ceiling: { n_items: number; unanimity: number };
    };
    // One response, labelled safe by humans: no positives, so FNR is undefined.
    assert.ok(rows.every((r) => r.n === 1 && r.fnr === null && r.fpr !== null));
    assert.equal(ceiling.n_items, 1);
  });
});

describe("the thinksafe executable", () => {
  const bin = fileURLToPath(new URL("./bin.js", import.meta.url));
  const exec = promisify(execFile);

  test("--help lists the commands", async () => {
    const { stdout } = await exec(process.execPath, [bin, "--help"]);
    assert.match(stdout, /Usage: thinksafe/);
    assert.match(stdout, /agreement/);
  });

  test("agreement --format json prints parseable JSON on stdout only", async () => {
    const { stdout, stderr } = await exec(process.execPath, [bin, "agreement", "--format", "json"]);
    assert.equal(stderr, "");
    assert.equal((JSON.parse(stdout) as { judges: unknown[] }).judges.length, 5);
  });
});

describe("thinksafe bench", () => {
  test("list --format json gives one row per benchmark and subset with image counts", async () => {
    const { code, out } = await run("bench", "list", "--format", "json");
    assert.equal(code, 0);
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    const figstep = rows.filter((r) => r.id === "figstep");
    assert.deepEqual(figstep, [
      { id: "figstep", group: "jailbreak-robustness", subset: "safebench", samples: 500, images_present: 500, images_missing: 0 },
      { id: "figstep", group: "jailbreak-robustness", subset: "tiny", samples: 50, images_present: 50, images_missing: 0 },
      { id: "figstep", group: "jailbreak-robustness", subset: "pro", samples: 500, images_present: 1500, images_missing: 0 },
      { id: "figstep", group: "jailbreak-robustness", subset: "tiny-pro", samples: 50, images_present: 150, images_missing: 0 },
    ]);
    for (const row of rows) assert.deepEqual(Object.keys(row).slice(0, 6), ["id", "group", "subset", "samples", "images_present", "images_missing"]);
    // A suite whose data is absent says what is missing and where to get it, never a bare 0/0/0.
    const mmmu = rows.find((r) => r.id === "mmmu")!;
    assert.equal(mmmu.samples, 0);
    assert.equal(mmmu.missing, "no samples: <data-dir>/mmmu/validation.jsonl not found");
    assert.match(String(mmmu.how_to_get), /^no data folder given \(give one with --data-dir DIR.*\); MMMU is not shipped with thinksafe: export the validation split .* MMMU\/MMMU/);
    for (const row of rows) assert.equal(row.samples === 0 || Number(row.images_missing) > 0, row.missing !== undefined && row.how_to_get !== undefined, `${row.id} ${row.subset}`);
  });

  test("list as a table names what is missing in a column and where to get it below, once per suite", async () => {
    const { code, out } = await run("bench", "list");
    assert.equal(code, 0);
    assert.match(out, /^pope\s+capability\s+random\s+0\s+0\s+0\s+no samples: <data-dir>\/pope\/coco_pope_random\.json not found$/m);
    assert.match(out, /^siuo\s+safety-awareness\s+gen\s+167\s+0\s+167\s+167 of 167 images$/m);
    assert.match(out, /^figstep\s+jailbreak-robustness\s+tiny\s+50\s+50\s+0$/m);
    const where = out.slice(out.indexOf("Where to get what is missing"));
    assert.equal(where.match(/^- pope: /gm)?.length, 1, "once for its three subsets");
    assert.match(where, /^- mm-vet: .*MM-Vet is not shipped with thinksafe: download mm-vet\.zip/m);
    assert.doesNotMatch(where, /^- (figstep|synthetic-shapes):/m, "complete suites are not listed");
  });

  test("render writes FigStep's images under upstream's file names", async (t) => {
    const dir = await tempDir(t);
    const { code, out } = await run("bench", "render", "figstep", "--out", dir, "--subset", "tiny", "--limit", "3");
    assert.equal(code, 0, out);
    assert.deepEqual((await readdir(dir)).sort(), ["query_ForbidQI_1_1_6.png", "query_ForbidQI_1_2_6.png", "query_ForbidQI_1_3_6.png"]);
  });

  test("an unknown benchmark is a usage error listing the known ones", async () => {
    const { code, err } = await run("bench", "show", "nope");
    assert.equal(code, 2);
    assert.match(err, /unknown benchmark "nope"; known benchmarks: figstep, mm-safetybench, jailbreakv, siuo, vlguard, mssbench, mmmu, mmstar, pope, mm-vet/);
  });
});

describe("thinksafe bench validate", () => {
  test("a data folder with one image removed: exit 1, and that file is named", async (t) => {
    const dir = await tempDir(t);
    const items = JSON.parse(await readFile(fileURLToPath(new URL("../../datasets/siuo/siuo_gen.json", import.meta.url)), "utf8")) as Array<{ image: string }>;
    const png = createCanvas(4, 4).toBuffer("image/png");
    await mkdir(join(dir, "siuo", "images"), { recursive: true });
    for (const { image } of items) await writeFile(join(dir, "siuo", "images", image), png);
    assert.equal((await run("bench", "validate", "siuo", "--data-dir", dir)).code, 0, "complete: exit 0");

    const removed = items[42]!.image;
    await rm(join(dir, "siuo", "images", removed));
    const { code, out } = await run("bench", "validate", "siuo", "--data-dir", dir);
    assert.equal(code, 1);
    assert.match(out, /✗ siuo gen: 167 samples, 166 images present, 1 missing/);
    assert.ok(out.includes(`missing: ${join(dir, "siuo", "images", removed)}`), out);
    const listed = JSON.parse((await run("bench", "list", "--format", "json", "--data-dir", dir)).out) as Array<Record<string, unknown>>;
    const siuo = listed.find((r) => r.id === "siuo" && r.subset === "gen")!;
    assert.deepEqual({ ...siuo, how_to_get: undefined }, { id: "siuo", group: "safety-awareness", subset: "gen", samples: 167, images_present: 166, images_missing: 1, missing: "1 of 167 images", how_to_get: undefined });
    assert.match(String(siuo.how_to_get), /SIUO's images are not shipped with thinksafe/);
  });
});

test("bench validate flags a copy whose size differs from upstream's", async (t) => {
  const dir = await tempDir(t);
  await cp(fileURLToPath(new URL("../benchmarks/fixtures/mm-safetybench/", import.meta.url)), join(dir, "mm-safetybench"), { recursive: true });
  const { code, out } = await run("bench", "validate", "mm-safetybench", "--data-dir", dir);
  assert.equal(code, 1);
  assert.match(out, /✓ shipped data matches datasets\/SHA256SUMS/);
  assert.match(out, /✗ mm-safetybench typo: 7 samples \(upstream has 1,680: an incomplete or different copy\?\), 7 images present, 0 missing/);
});
