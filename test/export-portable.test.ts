// A `tis export` folder works after it is copied to another machine: each format is exported, copied
// with the real `cp -r`, the original images and export deleted, and the copy loaded as its tool
// loads it:
// - LLaMA-Factory: its own dataset parsing and sharegpt conversion code at a pinned commit, run by
//   test/llamafactory_check.py from a git snapshot of hiyouga/LLaMA-Factory (never copied into this
//   repository). Skipped, saying why, where the snapshot or python3 is absent.
// - Hugging Face `datasets` (not installable here): the rules its folder-based builder applies to a
//   metadata file's `file_names` (src/datasets/packaged_modules/folder_based_builder/
//   folder_based_builder.py at b7cb10b0e38ab8bbefdb142d0279bc85ac8c7ab8: metadata.jsonl, a list of
//   strings, no URL scheme, no absolute path, no `..` out of the folder, joined to the metadata
//   file's folder), then every image decoded (by Skia, standing in for PIL).
// - OpenAI: every line against the documented rules (src/tis/openai.ts), images decoded.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readdir, readFile, readlink, rm } from "node:fs/promises";
import { isAbsolute, join, posix } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { loadImage } from "@napi-rs/canvas";
import { tempDir } from "../src/test-support.ts";
import { exportRecords, type ExportFormat, type ExportRequest } from "../src/tis/export.ts";
import { checkLlamaFactoryRow } from "../src/tis/llamafactory.ts";
import { checkOpenAiLine } from "../src/tis/openai.ts";
import { readTisRelease } from "../src/tis/release.ts";
import { sampleRelease, SAMPLE_IMAGES } from "../src/tis/testing.ts";

const exec = promisify(execFile);

/** LLaMA-Factory's code is run at this commit (2026-08-18), from a git snapshot of the repository. */
const LLAMAFACTORY_COMMIT = "ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30";
const LLAMAFACTORY_GIT = process.env.THINKSAFE_LLAMAFACTORY_GIT ?? "/work/.mirror/hiyouga+LLaMA-Factory/repo";
const CHECKER = fileURLToPath(new URL("./llamafactory_check.py", import.meta.url));

/** Exports the 8-record sample (with stand-in images) in `format`, copies the folder with `cp -r`, deletes the originals. */
async function exportAndMove(t: TestContext, format: ExportFormat, overrides: Partial<ExportRequest> = {}): Promise<string> {
  const { dir, file } = await sampleRelease(t);
  const out = join(dir, "export");
  await exportRecords({ records: await readTisRelease(file), format, outDir: out, name: "tis", imagesDir: dir, inputFile: file, ...overrides });
  const elsewhere = await tempDir(t, "thinksafe-gpu-machine-");
  const moved = join(elsewhere, "tis-export");
  execFileSync("cp", ["-r", out, moved]);
  await rm(dir, { recursive: true, force: true });
  return moved;
}

async function decodes(file: string): Promise<boolean> {
  const image = await loadImage(await readFile(file));
  return image.width > 0 && image.height > 0;
}

describe("LLaMA-Factory: the moved folder loads", () => {
  test("every row's images resolve inside the folder, as thinksafe's checker of LLaMA-Factory's rules reads them", async (t) => {
    const moved = await exportAndMove(t, "llamafactory");
    const rows = JSON.parse(await readFile(join(moved, "tis.json"), "utf8")) as Array<{ images: string[] }>;
    assert.equal(rows.length, 8);
    for (const row of rows) {
      assert.deepEqual(checkLlamaFactoryRow(row, moved), []);
      for (const image of row.images) assert.ok(!isAbsolute(image) && !image.startsWith(".."), image);
    }
  });

  test(`with LLaMA-Factory's own parsing and conversion code (commit ${LLAMAFACTORY_COMMIT.slice(0, 7)}), from each training YAML`, async (t) => {
    const missing = await llamaFactoryUnavailable();
    if (missing) return void t.skip(missing);
    const moved = await exportAndMove(t, "llamafactory");
    const yamls = (await readdir(moved)).filter((name) => name.endsWith(".yaml"));
    assert.equal(yamls.length, 4);
    for (const yaml of yamls) {
      // Run from the folder, as the YAML's header says (LLaMA-Factory resolves dataset_dir against it).
      const { stdout } = await exec("python3", [CHECKER, "--git-dir", LLAMAFACTORY_GIT, "--commit", LLAMAFACTORY_COMMIT, "--yaml", yaml], { cwd: moved }).catch(
        (error: { stdout?: string; stderr?: string }) => {
          throw new Error(`${yaml}: ${error.stdout ?? ""}${error.stderr ?? ""}`);
        },
      );
      const report = JSON.parse(stdout) as { examples: number; images: number; problems: string[]; dataset_dir: string; media_dir: string };
      assert.deepEqual(report.problems, [], yaml);
      assert.deepEqual([report.examples, report.images, report.dataset_dir, report.media_dir], [8, 8, ".", "."], yaml);
    }
  });

  test("the checker is not a rubber stamp: an image path out of the folder fails it", async (t) => {
    const missing = await llamaFactoryUnavailable();
    if (missing) return void t.skip(missing);
    const moved = await exportAndMove(t, "llamafactory");
    const data = join(moved, "tis.json");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(data, (await readFile(data, "utf8")).replace(`"${SAMPLE_IMAGES[0]}"`, `"../${SAMPLE_IMAGES[0]}"`));
    const failed = await exec("python3", [CHECKER, "--git-dir", LLAMAFACTORY_GIT, "--commit", LLAMAFACTORY_COMMIT, "--yaml", "tis.qwen2_5vl_7b.lora_sft.yaml"], { cwd: moved }).then(
      () => null,
      (error: { stdout: string; code: number }) => error,
    );
    assert.ok(failed, "exit 1");
    const report = JSON.parse(failed.stdout) as { problems: string[] };
    assert.ok(report.problems.some((p) => p.includes(`image ../${SAMPLE_IMAGES[0]} not found`)), report.problems.join("\n"));
    assert.ok(report.problems.some((p) => p.startsWith("LLaMA-Factory warned: Media ../")), "LLaMA-Factory's own warning is caught");
  });
});

describe("Hugging Face datasets: the moved folder is an imagefolder whose images load", () => {
  test("metadata.jsonl's file_names pass the folder-based builder's rules and every image decodes", async (t) => {
    const moved = await exportAndMove(t, "hf");
    const metadataFiles = (await readdir(moved)).filter((name) => ["metadata.csv", "metadata.jsonl", "metadata.parquet"].includes(name));
    assert.deepEqual(metadataFiles, ["metadata.jsonl"], "exactly one metadata file, in the folder's root");
    const lines = (await readFile(join(moved, "metadata.jsonl"), "utf8")).trimEnd().split("\n");
    assert.equal(lines.length, 8);
    for (const line of lines) {
      const row = JSON.parse(line) as { file_names: unknown; messages: Array<{ content: Array<{ type: string }> }> };
      assert.ok(Array.isArray(row.file_names) && row.file_names.every((f) => typeof f === "string"), "file_names: a list of strings becomes List(Image())");
      const imageParts = row.messages[0]!.content.filter((part) => part.type === "image").length;
      assert.equal(imageParts, row.file_names.length, "one image part per image (TRL's layout)");
      for (const name of row.file_names as string[]) {
        const normalized = posix.normalize(name.replaceAll("\\", "/"));
        assert.ok(!name.includes("://"), `${name}: URL schemes are refused`);
        assert.ok(!isAbsolute(name) && !posix.isAbsolute(normalized), `${name}: absolute paths are refused`);
        assert.ok(normalized !== ".." && !normalized.startsWith("../"), `${name}: paths out of the folder are refused`);
        const file = join(moved, normalized);
        assert.ok(existsSync(file), `${file} exists`);
        assert.ok(await decodes(file), `${file} decodes`);
      }
    }
  });
});

describe("OpenAI: the moved file carries everything", () => {
  test("every line passes OpenAI's documented rules and its inline images decode", async (t) => {
    const moved = await exportAndMove(t, "openai");
    const lines = (await readFile(join(moved, "tis.jsonl"), "utf8")).trimEnd().split("\n");
    assert.equal(lines.length, 8);
    for (const line of lines) {
      assert.deepEqual(checkOpenAiLine(line).problems, []);
      const url = (JSON.parse(line).messages[0].content as Array<{ type: string; image_url?: { url: string } }>).find((p) => p.type === "image_url")!.image_url!.url;
      assert.ok(url.startsWith("data:image/"), "inline, not a path");
      const image = await loadImage(Buffer.from(url.slice(url.indexOf(",") + 1), "base64"));
      assert.ok(image.width > 0);
    }
    assert.deepEqual((await readdir(moved)).sort(), ["tis.export.json", "tis.jsonl"], "no images folder: nothing else to carry");
  });
});

describe("--images link and absolute", () => {
  test("link: symbolic links to the originals in the folder (this machine only; cp -rL carries the images)", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "export");
    const summary = await exportRecords({ records: await readTisRelease(file), format: "llamafactory", outDir: out, name: "tis", imagesDir: dir, inputFile: file, images: "link" });
    assert.deepEqual(summary.images, { mode: "link", count: 6 });
    const link = join(out, SAMPLE_IMAGES[0]!);
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal(await readlink(link), join(dir, SAMPLE_IMAGES[0]!));
    const rows = JSON.parse(await readFile(join(out, "tis.json"), "utf8")) as Array<{ images: string[] }>;
    assert.equal(rows[0]!.images[0], SAMPLE_IMAGES[0]);
    const elsewhere = await tempDir(t);
    execFileSync("cp", ["-rL", out, join(elsewhere, "moved")]);
    await rm(dir, { recursive: true, force: true });
    for (const row of JSON.parse(await readFile(join(elsewhere, "moved", "tis.json"), "utf8")) as Array<{ images: string[] }>) {
      assert.deepEqual(checkLlamaFactoryRow(row, join(elsewhere, "moved")), []);
    }
  });

  test("absolute: the data names the images where they are, and nothing is copied", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const out = join(dir, "export");
    const summary = await exportRecords({ records: await readTisRelease(file), format: "llamafactory", outDir: out, name: "tis", imagesDir: dir, inputFile: file, images: "absolute" });
    assert.deepEqual(summary.images, { mode: "absolute", count: 6 });
    assert.equal(existsSync(join(out, "images")), false);
    const rows = JSON.parse(await readFile(join(out, "tis.json"), "utf8")) as Array<{ images: string[] }>;
    assert.equal(rows[6]!.images[0], join(dir, SAMPLE_IMAGES[6]!));
    for (const row of rows) assert.deepEqual(checkLlamaFactoryRow(row, out), []);
  });

  test("the manifest lists every image the data names, with its sha256", async (t) => {
    const moved = await exportAndMove(t, "llamafactory");
    const manifest = JSON.parse(await readFile(join(moved, "tis.export.json"), "utf8")) as { options: { images: string }; images: Array<{ path: string; sha256: string; bytes: number }> };
    assert.equal(manifest.options.images, "copy");
    assert.deepEqual(manifest.images.map((i) => i.path), [...new Set(SAMPLE_IMAGES)].sort());
    const { createHash } = await import("node:crypto");
    for (const image of manifest.images) {
      const bytes = await readFile(join(moved, image.path));
      assert.equal(createHash("sha256").update(bytes).digest("hex"), image.sha256);
      assert.equal(bytes.length, image.bytes);
    }
  });
});

/** Why LLaMA-Factory's code cannot be run here, or null when it can. */
async function llamaFactoryUnavailable(): Promise<string | null> {
  try {
    await exec("python3", ["-c", "import yaml, numpy"]);
  } catch {
    return "python3 with pyyaml and numpy is not available: LLaMA-Factory's loader check is skipped";
  }
  try {
    await exec("git", ["--git-dir", LLAMAFACTORY_GIT, "cat-file", "-e", `${LLAMAFACTORY_COMMIT}^{commit}`]);
  } catch {
    return `no git snapshot of hiyouga/LLaMA-Factory holding ${LLAMAFACTORY_COMMIT} at ${LLAMAFACTORY_GIT} (set THINKSAFE_LLAMAFACTORY_GIT): LLaMA-Factory's loader check is skipped`;
  }
  return null;
}
