import assert from "node:assert/strict";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test, type TestContext } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { DataError } from "../errors.ts";
import { rejectsWith, tempDir, mimeOf } from "../test-support.ts";
import { mmmu, mmmuPrompt, referencedImages, subjectOf } from "./mmmu.ts";

const FIXTURES = fileURLToPath(new URL("fixtures/mmmu/", import.meta.url));
const IMAGES = [
  "images/validation_Accounting_1_1.png",
  "images/validation_Art_Theory_2_1.png",
  "images/validation_Art_Theory_2_2.jpg",
  "images/validation_Art_Theory_2_3.png",
  "images/validation_Math_3_1.png",
];

function image(path: string, shade: number): Buffer {
  const canvas = createCanvas(2, 2);
  const context = canvas.getContext("2d");
  context.fillStyle = `rgb(0, ${shade}, 0)`;
  context.fillRect(0, 0, 2, 2);
  return path.endsWith(".png") ? canvas.encodeSync("png") : canvas.encodeSync("jpeg");
}

async function dataDir(t: TestContext, paths = IMAGES): Promise<string> {
  const dir = await tempDir(t);
  await cp(FIXTURES, join(dir, "mmmu"), { recursive: true });
  await mkdir(join(dir, "mmmu", "images"), { recursive: true });
  for (const [i, path] of paths.entries()) await writeFile(join(dir, "mmmu", path), image(path, 40 * (i + 1)));
  return dir;
}

describe("MMMU benchmark", () => {
  test("multiple choice: upstream's prompt, options from the Python literal, the letter as the reference", async (t) => {
    const dir = await dataDir(t);
    const [first, second, third] = await mmmu.load({}, { dataDir: dir });
    assert.equal(first!.sampleId, "validation_Accounting_1");
    assert.ok([first, second, third].every((s) => s!.judgeContext === undefined), "capability items are scored, not judged: no judge context");
    assert.equal(first!.category, "Accounting");
    assert.equal(first!.subset, "validation");
    assert.equal(first!.group, "capability");
    assert.equal(first!.shouldRefuse, false);
    assert.equal(
      first!.prompt,
      "<image 1> What is the total cost shown in the ledger?\n\n(A) $6\n(B) $7\n(C) $8's\n(D) $9\n\n\nAnswer with the option's letter from the given choices directly.",
    );
    assert.deepEqual(first!.reference, { answer: "B", options: { A: "$6", B: "$7", C: "$8's", D: "$9" } });
    assert.deepEqual(first!.images.map((i) => [i.name, mimeOf(i)]), [["validation_Accounting_1_1.png", "image/png"]]);

    // Referred to as <image 2> then <image 1>: sent in number order; the unreferenced image_3 is not sent.
    assert.deepEqual(second!.images.map((i) => i.name), ["validation_Art_Theory_2_1.png", "validation_Art_Theory_2_2.jpg"]);
    assert.deepEqual(second!.reference, { answer: "A", options: { A: "<image 1>", B: "<image 2>" } });

    // Open: the short-answer instruction, no options, the answer as given.
    assert.equal(third!.prompt, "<image 1> What is the area of the shaded region, in square units?\n\nAnswer the question using a single word or phrase.");
    assert.deepEqual(third!.reference, { answer: "['12', '12.0']" });
  });

  test("helpers: placeholders, subjects, prompt", () => {
    assert.deepEqual(referencedImages(["<image 3> and <image 1>", "<image 3>"]), [1, 3]);
    assert.equal(subjectOf("validation_Art_Theory_12"), "Art_Theory");
    assert.equal(mmmuPrompt({ question: "Q", questionType: "multiple-choice", options: ["x", "y"] }), "Q\n\n(A) x\n(B) y\n\n\nAnswer with the option's letter from the given choices directly.");
  });

  test("inventory counts referenced images only; missing ones stop load", async (t) => {
    const dir = await dataDir(t, IMAGES.slice(0, 2));
    const inventory = await mmmu.inventory({}, { dataDir: dir });
    assert.deepEqual([inventory.samples, inventory.imagesPresent, inventory.imagesMissing], [3, 2, 2]);
    await rejectsWith(mmmu.load({}, { dataDir: dir }), DataError, "2 of 4 mmmu images are missing", "validation_Art_Theory_2_2.jpg", "MMMU/MMMU");
    assert.equal((await mmmu.load({ limit: 1 }, { dataDir: dir })).length, 1);
  });

  test("bad items: a placeholder without its image, an answer that is no option letter, unreadable options", async (t) => {
    const dir = await dataDir(t);
    const file = join(dir, "mmmu", "validation.jsonl");
    const line = (fields: Record<string, unknown>) =>
      JSON.stringify({ id: "validation_Math_1", question: "<image 1> Q", options: ["x", "y"], answer: "A", question_type: "multiple-choice", image_1: "images/a.png", ...fields });
    await writeFile(file, `${line({ question: "<image 2> Q" })}\n`);
    await rejectsWith(mmmu.load({}, { dataDir: dir }), DataError, "line 1", 'column "image_2"', "refers to <image 2>");
    await writeFile(file, `${line({})}\n${line({ id: "validation_Math_2", answer: "C" })}\n`);
    await rejectsWith(mmmu.load({}, { dataDir: dir }), DataError, "line 2", 'column "answer"', "A, B");
    await writeFile(file, `${line({ options: "['x', 'y'" })}\n`);
    await rejectsWith(mmmu.load({}, { dataDir: dir }), DataError, 'column "options"', "Python list literal");
    await writeFile(file, `${line({ question_type: "essay" })}\n`);
    await rejectsWith(mmmu.load({}, { dataDir: dir }), DataError, 'column "question_type"', '"essay"');
  });
});
