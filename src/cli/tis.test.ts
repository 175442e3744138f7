import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Database } from "../duckdb/database.ts";
import { checkLlamaFactoryRow } from "../tis/llamafactory.ts";
import { checkOpenAiLine } from "../tis/openai.ts";
import { SAMPLE_IMAGES, sampleRelease, writeImage } from "../tis/testing.ts";
import { tempDir } from "../test-support.ts";
import { main } from "./main.ts";

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "thinksafe", ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("thinksafe tis export", () => {
  test("--format llamafactory: the data file and dataset_info.json with a relative file_name (images beside the input)", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "lf");
    const { code, out: printed, err } = await run("tis", "export", file, "--format", "llamafactory", "--out", out);
    assert.equal(code, 0, err);
    assert.match(printed, /^exported 8 of 8 records as llamafactory into .*: tis\.json, dataset_info\.json, /);
    const info = JSON.parse(await readFile(join(out, "dataset_info.json"), "utf8"));
    const rows = JSON.parse(await readFile(join(out, info.tis.file_name), "utf8")) as unknown[];
    assert.equal(rows.length, 8);
    for (const row of rows) assert.deepEqual(checkLlamaFactoryRow(row, out), []);
  });

  test("--format openai with --images-dir: one or more .jsonl files of {messages} lines that pass the checks", async (t) => {
    const { dir } = await sampleRelease(t);
    const elsewhere = await tempDir(t);
    const input = join(elsewhere, "train_data.json");
    await copyFile(join(dir, "train_data.json"), input);
    const out = join(elsewhere, "openai");
    const { code, err } = await run("tis", "export", input, "--format", "openai", "--out", out, "--images-dir", dir);
    assert.equal(code, 0, err);
    assert.match(err, /warning: tis\.jsonl has 8 examples; OpenAI needs at least 10 per training file/);
    const files = (await readdir(out)).filter((f) => f.endsWith(".jsonl"));
    assert.deepEqual(files, ["tis.jsonl"]);
    const lines = (await readFile(join(out, "tis.jsonl"), "utf8")).trimEnd().split("\n");
    assert.equal(lines.length, 8);
    for (const line of lines) {
      assert.deepEqual(checkOpenAiLine(line).problems, []);
      assert.deepEqual(Object.keys(JSON.parse(line)), ["messages"]);
    }
  });

  test("a missing image is exit 2 naming the record and path; --skip-missing leaves it out and reports the count", async (t) => {
    const { dir, file } = await sampleRelease(t, { omit: [SAMPLE_IMAGES[7]!] });
    const out = join(dir, "hf");
    const failed = await run("tis", "export", file, "--format", "hf", "--out", out);
    assert.equal(failed.code, 2);
    assert.ok(failed.err.includes(`thinksafe: ${file}, row 8, column "images[0]": record tis/8: image not found: ${join(dir, SAMPLE_IMAGES[7]!)}`), failed.err);
    const skipped = await run("tis", "export", file, "--format", "hf", "--out", out, "--skip-missing");
    assert.equal(skipped.code, 0, skipped.err);
    assert.match(skipped.out, /^exported 7 of 8 records as hf/);
    assert.match(skipped.out, /skipped 1 record with a missing or unusable image:\n {2}row 8 \(tis\/8\): .*467\.jpg: not found/);
    assert.equal((await readFile(join(out, "metadata.jsonl"), "utf8")).trimEnd().split("\n").length, 7);
    assert.match(skipped.out, /copied 5 images into .*\/hf\/images\/$/m); // 6 distinct, one missing
  });

  test("--source exports a baseline set from --data-dir, its plain answers under an empty think block", async (t) => {
    const data = await tempDir(t);
    await mkdir(join(data, "vlguard"), { recursive: true });
    await copyFile(fileURLToPath(new URL("../benchmarks/fixtures/training-sets/vlguard-train.json", import.meta.url)), join(data, "vlguard", "train.json"));
    for (const image of ["vlguard/train/bad_ads/ad-10.png", "vlguard/train/HOD/hod-10.jpg"]) await writeImage(data, image);
    const out = join(data, "lf");
    const { code, err } = await run("tis", "export", "--source", "vlguard-train", "--data-dir", data, "--format", "llamafactory", "--out", out);
    assert.equal(code, 0, err);
    const info = JSON.parse(await readFile(join(out, "dataset_info.json"), "utf8"));
    const rows = JSON.parse(await readFile(join(out, info["vlguard-train"].file_name), "utf8")) as Array<{ messages: Array<{ content: string }>; images: string[] }>;
    assert.ok(rows.length >= 3);
    for (const row of rows) {
      assert.deepEqual(checkLlamaFactoryRow(row, out), []);
      assert.match(row.messages[1]!.content, /^<think>\n\n<\/think>\n\S/);
    }
    // Copied into the export under its path in the data folder.
    assert.equal(rows[0]!.images[0], "images/vlguard/train/bad_ads/ad-10.png");
    assert.ok((await readFile(resolve(out, rows[0]!.images[0]!))).equals(await readFile(join(data, "vlguard/train/bad_ads/ad-10.png"))));
  });

  test("usage errors: both an input and --source, neither, an unknown format", async () => {
    for (const args of [["x.json", "--source", "mis"], []]) {
      const { code, err } = await run("tis", "export", ...args, "--format", "hf", "--out", "/tmp/never");
      assert.equal(code, 2);
      assert.match(err, /give either a TiS release file \(INPUT\) or --source vlguard-train\|spa-vl\|mis/);
    }
    const { code, err } = await run("tis", "export", "x.json", "--format", "csv", "--out", "/tmp/never");
    assert.equal(code, 2);
    assert.match(err, /Allowed choices are openai, llamafactory, hf/);
  });
});

describe("thinksafe tis import", () => {
  test("writes the normalised records as Parquet and summarises them", async (t) => {
    const { file, dir } = await sampleRelease(t);
    const parquet = join(dir, "out", "records.parquet");
    const { code, out, err } = await run("tis", "import", file, "--out", parquet);
    assert.equal(code, 0, err);
    assert.match(out, /imported 8 records \(tis\)/);
    assert.match(out, /thinking: think_tags 8\n {2}images from: vlguard 6, spa-vl 2\n {2}answers opening with a refusal: 5 of 8/);
    const db = await Database.open();
    try {
      const [row] = await db.rows(`SELECT count(*)::INTEGER AS n, count(thinking)::INTEGER AS with_thinking FROM read_parquet('${parquet}')`);
      assert.deepEqual(row, { n: 8, with_thinking: 8 });
    } finally {
      db.close();
    }
  });

  test("a malformed record is exit 2 naming the file, row and field", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify([{ conversations: [{ from: "human", value: "Q" }], images: [] }]));
    const { code, err } = await run("tis", "import", file, "--out", join(dir, "r.parquet"));
    assert.equal(code, 2);
    assert.match(err, /bad\.json, row 1, column "conversations": expected 2 turns \(question, then answer\), found 1/);
  });
});

describe("the thinksafe executable", () => {
  test("npx thinksafe tis export … --format openai writes {messages} lines", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "openai");
    const bin = fileURLToPath(new URL("./bin.js", import.meta.url));
    await promisify(execFile)(process.execPath, [bin, "tis", "export", file, "--format", "openai", "--out", out]);
    const first = JSON.parse((await readFile(join(out, "tis.jsonl"), "utf8")).split("\n")[0]!);
    assert.deepEqual(first.messages.map((m: { role: string }) => m.role), ["user", "assistant"]);
  });
});
