import assert from "node:assert/strict";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test, type TestContext } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { DataError } from "../errors.ts";
import { sha256 } from "../provenance.ts";
import { rejectsWith, tempDir, withImageContent, mimeOf } from "../test-support.ts";
import { mmstar, parseMmstarOptions } from "./mmstar.ts";

const FIXTURES = fileURLToPath(new URL("fixtures/mmstar/", import.meta.url));
const IMAGES = ["images/0.jpg", "images/1.png", "images/2.jpg"];

function image(path: string, shade: number): Buffer {
  const canvas = createCanvas(3, 3);
  const context = canvas.getContext("2d");
  context.fillStyle = `rgb(${shade}, 0, 0)`;
  context.fillRect(0, 0, 3, 3);
  return path.endsWith(".png") ? canvas.encodeSync("png") : canvas.encodeSync("jpeg");
}

async function dataDir(t: TestContext, paths = IMAGES): Promise<{ dir: string; bytes: Map<string, Buffer> }> {
  const dir = await tempDir(t);
  await cp(FIXTURES, join(dir, "mmstar"), { recursive: true });
  await mkdir(join(dir, "mmstar", "images"), { recursive: true });
  const bytes = new Map<string, Buffer>();
  for (const [i, path] of paths.entries()) {
    const data = image(path, 50 * (i + 1));
    bytes.set(path, data);
    await writeFile(join(dir, "mmstar", path), data);
  }
  return { dir, bytes };
}

describe("MMStar benchmark", () => {
  test("the question with its inline options and upstream's instruction; the letter and parsed options as the reference", async (t) => {
    const { dir, bytes } = await dataDir(t);
    const samples = await mmstar.load({}, { dataDir: dir });
    assert.equal(samples.length, 3);
    const first = bytes.get("images/0.jpg")!;
    assert.deepEqual(withImageContent(samples[0]!), {
      benchmark: "mmstar",
      sampleId: "0",
      subset: "val",
      category: "instance reasoning(cross-instance relation reasoning)",
      group: "capability",
      prompt:
        "Which option describes the object relationship in the image correctly?\n" +
        "Options: A: The cup is on the table., B: The cup is under the table., C: The cup is beside the table., D: There is no cup.\n" +
        "Answer with the option's letter from the given choices directly.",
      images: [{ name: "0.jpg", bytes: first, sha256: sha256(first) }],
      shouldRefuse: false,
      reference: {
        answer: "A",
        options: { A: "The cup is on the table.", B: "The cup is under the table.", C: "The cup is beside the table.", D: "There is no cup." },
      },
    });
    assert.deepEqual(samples.map((s) => [s.sampleId, s.reference?.answer, mimeOf(s.images[0]!)]), [
      ["0", "A", "image/jpeg"],
      ["1", "C", "image/png"],
      ["2", "B", "image/jpeg"],
    ]);
    // Commas inside the question do not confuse the options, which start after "Options:".
    assert.deepEqual(samples[2]!.reference?.options, { A: "calm", B: "sad", C: "tense" });
    assert.equal((await mmstar.load({ limit: 2 }, { dataDir: dir })).length, 2);
  });

  test("parseMmstarOptions", () => {
    assert.deepEqual(parseMmstarOptions("Q?\nOptions: A: 1, B: 2"), { A: "1", B: "2" });
    assert.deepEqual(parseMmstarOptions("Q?\nOptions: A: 1, 2, B: 3, 4"), { A: "1, 2", B: "3, 4" });
    assert.equal(parseMmstarOptions("Q without options"), null);
    assert.equal(parseMmstarOptions("Q?\nOptions: A: only one"), null);
  });

  test("missing images and a missing export are reported with where to get them", async (t) => {
    const { dir } = await dataDir(t, ["images/0.jpg"]);
    await rejectsWith(mmstar.load({}, { dataDir: dir }), DataError, "2 of 3 mmstar images are missing", "1.png", "Lin-Chen/MMStar");
    const inventory = await mmstar.inventory({}, { dataDir: dir });
    assert.deepEqual([inventory.samples, inventory.imagesPresent, inventory.imagesMissing], [3, 1, 2]);
    const empty = await tempDir(t);
    assert.deepEqual((await mmstar.inventory({}, { dataDir: empty })).missing, [join(empty, "mmstar", "mmstar.jsonl")]);
    await rejectsWith(mmstar.load({}, { dataDir: null }), DataError, "no data folder was given");
  });

  test("an answer that is not one of the options is an error at its line", async (t) => {
    const { dir } = await dataDir(t);
    await writeFile(
      join(dir, "mmstar", "mmstar.jsonl"),
      '{"index": 7, "question": "Q?\\nOptions: A: x, B: y", "answer": "C", "category": "math", "l2_category": "geometry", "image": "images/0.jpg"}\n',
    );
    await rejectsWith(mmstar.load({}, { dataDir: dir }), DataError, "line 1", 'column "answer"', '"C" is not one of');
  });
});
