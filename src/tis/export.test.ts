import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { DataError, UsageError } from "../errors.ts";
import { Database } from "../duckdb/database.ts";
import { rejectsWith, tempDir } from "../test-support.ts";
import { exportRecords, type ExportRequest } from "./export.ts";
import { imageFacts } from "./images.ts";
import { checkLlamaFactoryRow } from "./llamafactory.ts";
import { checkOpenAiLine } from "./openai.ts";
import { writeRecordsParquet } from "./parquet.ts";
import { assistantText } from "./record.ts";
import { readTisRelease } from "./release.ts";
import { grayImage, SAMPLE, SAMPLE_IMAGES, sampleRelease, writeImage } from "./testing.ts";

async function request(dir: string, file: string, out: string, overrides: Partial<ExportRequest> = {}): Promise<ExportRequest> {
  return { records: await readTisRelease(file), format: "openai", outDir: out, name: "tis", imagesDir: dir, inputFile: file, ...overrides };
}

const jsonLines = async (file: string) => (await readFile(file, "utf8")).trimEnd().split("\n");

describe("OpenAI export", () => {
  test("every line passes the format checks, keeps the thinking, and carries its images inline", async (t) => {
    const { dir, file } = await sampleRelease(t);
    await writeImage(dir, SAMPLE_IMAGES[0]!, grayImage()); // one image OpenAI would refuse as it is
    const out = join(dir, "openai");
    const summary = await exportRecords(await request(dir, file, out));
    assert.deepEqual(summary.files, ["tis.jsonl", "tis.export.json"]);
    assert.equal(summary.rows, 8);
    assert.equal(summary.imagesConverted, 1);
    assert.deepEqual(summary.warnings, ["tis.jsonl has 8 examples; OpenAI needs at least 10 per training file"]);
    const records = await readTisRelease(file);
    const lines = await jsonLines(join(out, "tis.jsonl"));
    assert.equal(lines.length, 8);
    for (const [i, line] of lines.entries()) {
      assert.deepEqual(checkOpenAiLine(line).problems, [], `line ${i + 1}`);
      const { messages } = JSON.parse(line) as { messages: Array<{ role: string; content: unknown }> };
      assert.deepEqual(messages.map((m) => m.role), ["user", "assistant"]);
      assert.equal(messages[1]!.content, assistantText(records[i]!));
      assert.match(messages[1]!.content as string, new RegExp(`^<think>\\n${escape(records[i]!.thinking!.slice(0, 40))}`));
      const parts = messages[0]!.content as Array<{ type: string; image_url?: { url: string } }>;
      assert.deepEqual(parts.map((p) => p.type), ["image_url", "text"]);
      const bytes = Buffer.from(parts[0]!.image_url!.url.split(",")[1]!, "base64");
      const expected = i === 0 ? null : await readFile(join(dir, SAMPLE_IMAGES[i]!));
      if (expected) assert.ok(bytes.equals(expected), `line ${i + 1}: the original image bytes`);
      else assert.equal(imageFacts(bytes).colorMode, "RGBA", "the grayscale image was converted");
    }
    const manifest = JSON.parse(await readFile(join(out, "tis.export.json"), "utf8"));
    assert.equal(manifest.input_sha256, "70343f64e1349df34be5ff700a885a34fc8177d02b40834d31ea03cd8d14e383");
    assert.deepEqual([manifest.rows, manifest.records, manifest.images_converted, manifest.files[0].rows], [8, 8, 1, 8]);
  });

  test("splits into several files before one would pass the size limit, and removes an earlier split's leftovers", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "openai");
    const whole = await jsonLines(join(out, (await exportRecords(await request(dir, file, out))).files[0]!));
    const largest = Math.max(...whole.map((l) => Buffer.byteLength(l) + 1));
    const split = await exportRecords(await request(dir, file, out, { maxFileBytes: 2 * largest }));
    const parts = split.files.filter((f) => f.endsWith(".jsonl"));
    assert.ok(parts.length >= 4, `${parts.length} parts`);
    assert.deepEqual(parts, parts.map((_, i) => `tis-${i + 1}-of-${parts.length}.jsonl`));
    const joined: string[] = [];
    for (const part of parts) {
      const lines = await jsonLines(join(out, part));
      assert.ok(lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) <= 2 * largest, part);
      joined.push(...lines);
    }
    assert.deepEqual(joined, whole, "the parts hold every line, in order");
    assert.equal(existsSync(join(out, "tis.jsonl")), false, "the unsplit file is gone");
    await exportRecords(await request(dir, file, out));
    assert.deepEqual((await readdir(out)).sort(), ["tis.export.json", "tis.jsonl"]);
  });
});

describe("LLaMA-Factory export", () => {
  test("rows: as many <image> as images, alternating roles, images that exist; dataset_info file_name relative to DIR", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "lf");
    const summary = await exportRecords(await request(dir, file, out, { format: "llamafactory" }));
    assert.deepEqual(summary.files, [
      "tis.json",
      "dataset_info.json",
      "tis.qwen2_5vl_7b.lora_sft.yaml",
      "tis.qwen2_5vl_7b.full_sft.yaml",
      "tis.llama3_2_11b_vision.lora_sft.yaml",
      "tis.llama3_2_11b_vision.full_sft.yaml",
      "ds_z3_config.json",
      "tis.export.json",
    ]);
    const info = JSON.parse(await readFile(join(out, "dataset_info.json"), "utf8"));
    assert.deepEqual(info.tis, {
      file_name: "tis.json",
      formatting: "sharegpt",
      columns: { messages: "messages", images: "images" },
      tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" },
    });
    const rows = JSON.parse(await readFile(join(out, info.tis.file_name), "utf8")) as Array<{ messages: Array<{ role: string; content: string }>; images: string[] }>;
    assert.equal(rows.length, 8);
    for (const [i, row] of rows.entries()) {
      assert.deepEqual(checkLlamaFactoryRow(row, out), [], `row ${i + 1}`);
      // The same bars, asserted directly.
      const placeholders = row.messages.map((m) => m.content.split("<image>").length - 1).reduce((a, b) => a + b, 0);
      assert.equal(placeholders, row.images.length);
      assert.deepEqual(row.messages.map((m) => m.role), ["user", "assistant"]);
      for (const image of row.images) assert.ok(existsSync(resolve(out, image)), image);
      // Inside the folder, at the release's own relative path: copied, not pointed at.
      assert.equal(row.images[0], SAMPLE_IMAGES[i]);
      assert.ok((await readFile(join(out, row.images[0]!))).equals(await readFile(join(dir, SAMPLE_IMAGES[i]!))));
    }
    assert.match(rows[0]!.messages[1]!.content, /^<think>\n.+\n<\/think>\nI'm sorry, I cannot assist/s);
  });

  test("training YAMLs name the dataset and LLaMA-Factory's templates, with every path relative to their folder", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "lf");
    await exportRecords(await request(dir, file, out, { format: "llamafactory" }));
    const qwenText = await readFile(join(out, "tis.qwen2_5vl_7b.lora_sft.yaml"), "utf8");
    const qwen = parse(qwenText);
    assert.deepEqual([qwen.model_name_or_path, qwen.template, qwen.finetuning_type, qwen.dataset, qwen.dataset_dir, qwen.media_dir], ["Qwen/Qwen2.5-VL-7B-Instruct", "qwen2_vl", "lora", "tis", ".", "."]);
    assert.match(qwenText, /^# {3}cd <this folder> && llamafactory-cli train tis\.qwen2_5vl_7b\.lora_sft\.yaml$/m);
    const llama = parse(await readFile(join(out, "tis.llama3_2_11b_vision.full_sft.yaml"), "utf8"));
    assert.deepEqual([llama.model_name_or_path, llama.template, llama.finetuning_type, llama.learning_rate, llama.deepspeed], ["meta-llama/Llama-3.2-11B-Vision-Instruct", "mllama", "full", 1e-5, "ds_z3_config.json"]);
    assert.equal(JSON.parse(await readFile(join(out, "ds_z3_config.json"), "utf8")).zero_optimization.stage, 3);
    // Nothing in the folder names this machine.
    for (const name of await readdir(out)) {
      if (/\.(ya?ml|json)$/.test(name) && name !== "tis.export.json") assert.ok(!(await readFile(join(out, name), "utf8")).includes(dir), `${name} names ${dir}`);
    }
  });

  test("a second dataset in the same folder keeps the first one's entry", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "lf");
    await exportRecords(await request(dir, file, out, { format: "llamafactory" }));
    await exportRecords(await request(dir, file, out, { format: "llamafactory", name: "tis-plain", plainAnswers: true }));
    const info = JSON.parse(await readFile(join(out, "dataset_info.json"), "utf8"));
    assert.deepEqual(Object.keys(info), ["tis", "tis-plain"]);
    assert.equal(info["tis-plain"].file_name, "tis-plain.json");
  });

  test("a dataset_info.json that is not an object is reported, not overwritten", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "lf");
    await exportRecords(await request(dir, file, out, { format: "hf" }));
    await writeFile(join(out, "dataset_info.json"), "[]");
    await rejectsWith(exportRecords(await request(dir, file, out, { format: "llamafactory" })), DataError, "dataset_info.json: not a JSON object of dataset entries");
    assert.equal(await readFile(join(out, "dataset_info.json"), "utf8"), "[]");
  });
});

describe("Hugging Face export", () => {
  test("an imagefolder: metadata.jsonl with one image part per image, file_names inside the folder", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "hf");
    await exportRecords(await request(dir, file, out, { format: "hf" }));
    const rows = (await jsonLines(join(out, "metadata.jsonl"))).map((l) => JSON.parse(l));
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[6], {
      id: "tis/7",
      messages: [
        { role: "user", content: [{ type: "image" }, { type: "text", text: rows[6].messages[0].content[1].text }] },
        { role: "assistant", content: [{ type: "text", text: rows[6].messages[1].content[0].text }] },
      ],
      file_names: [SAMPLE_IMAGES[6]],
    });
    for (const row of rows) for (const image of row.file_names) assert.ok(existsSync(resolve(out, image)));
  });

  test("--images absolute is refused: the imagefolder loader refuses paths outside the folder", async (t) => {
    const { dir, file } = await sampleRelease(t);
    await rejectsWith(exportRecords(await request(dir, file, join(dir, "hf"), { format: "hf", images: "absolute" })), UsageError, "--images absolute", "use --images copy");
  });
});

describe("missing images", () => {
  const missing = SAMPLE_IMAGES[4]!; // records 5 and 6 share it

  test("are an error naming the record and path, and nothing is written", async (t) => {
    const { dir, file } = await sampleRelease(t, { omit: [missing] });
    const out = join(dir, "x");
    for (const format of ["openai", "llamafactory", "hf"] as const) {
      await rejectsWith(
        exportRecords(await request(dir, file, out, { format })),
        DataError,
        `${file}, row 5, column "images[0]": record tis/5: image not found: ${join(dir, missing)} (and 1 more record with missing or unusable images)`,
        "--skip-missing",
      );
    }
    assert.equal(existsSync(out), false);
  });

  test("with skipMissing their records are left out and counted", async (t) => {
    const { dir, file } = await sampleRelease(t, { omit: [missing] });
    const out = join(dir, "lf");
    const summary = await exportRecords(await request(dir, file, out, { format: "llamafactory", skipMissing: true }));
    assert.equal(summary.rows, 6);
    assert.deepEqual(summary.skipped, [
      { index: 5, id: "tis/5", missing: join(dir, missing), problem: "not found" },
      { index: 6, id: "tis/6", missing: join(dir, missing), problem: "not found" },
    ]);
    assert.equal(JSON.parse(await readFile(join(out, "tis.json"), "utf8")).length, 6);
    const manifest = JSON.parse(await readFile(join(out, "tis.export.json"), "utf8"));
    assert.deepEqual(manifest.skipped.map((s: { row: number }) => s.row), [5, 6]);
  });

  test("images resolve under imagesDir: another folder works, the wrong one fails", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const elsewhere = await tempDir(t);
    const copy = join(elsewhere, "release.json");
    await writeFile(copy, await readFile(SAMPLE));
    await rejectsWith(exportRecords(await request(elsewhere, copy, join(elsewhere, "out"))), DataError, "record tis/1: image not found");
    assert.equal((await exportRecords(await request(dir, copy, join(elsewhere, "out"), { format: "hf" }))).rows, 8);
  });
});

describe("records as Parquet", () => {
  test("one row per record with the normalised columns; the same input gives the same bytes", async (t) => {
    const dir = await tempDir(t);
    const records = await readTisRelease(SAMPLE);
    await writeRecordsParquet(records, join(dir, "a.parquet"), SAMPLE);
    await writeRecordsParquet(records, join(dir, "b.parquet"), SAMPLE);
    assert.ok((await readFile(join(dir, "a.parquet"))).equals(await readFile(join(dir, "b.parquet"))));
    const db = await Database.open();
    try {
      const rows = await db.rows(`SELECT record_id, position, source, category, n_images, thinking_format, is_refusal, is_harmful_request,
                                         thinking_words > 20 AS long_thinking, answer_words, images[1] AS image, typeof(images) AS images_type
                                  FROM read_parquet('${join(dir, "a.parquet")}') ORDER BY position`);
      assert.equal(rows.length, 8);
      assert.deepEqual(rows[6], {
        record_id: "tis/7",
        position: 7,
        source: "spa-vl",
        category: "Malicious Use/Fraud or deceptive action/financial fraud",
        n_images: 1,
        thinking_format: "think_tags",
        is_refusal: true,
        is_harmful_request: null,
        long_thinking: true,
        answer_words: records[6]!.answer.trim().split(/\s+/).length,
        image: SAMPLE_IMAGES[6],
        images_type: "VARCHAR[]",
      });
      const [meta] = await db.rows(`SELECT decode(value) AS v FROM parquet_kv_metadata('${join(dir, "a.parquet")}') WHERE decode(key) = 'thinksafe.input_sha256'`);
      assert.equal(JSON.parse(String(meta!.v)), "70343f64e1349df34be5ff700a885a34fc8177d02b40834d31ea03cd8d14e383");
    } finally {
      db.close();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
