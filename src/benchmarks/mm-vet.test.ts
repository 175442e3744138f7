import assert from "node:assert/strict";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test, type TestContext } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { DataError } from "../errors.ts";
import { sha256 } from "../provenance.ts";
import { rejectsWith, tempDir, withImageContent } from "../test-support.ts";
import { mmVet, mmVetCapabilities } from "./mm-vet.ts";
import { MM_VET_GRADER_PROMPT, mmVetGraderRequest } from "./scoring/mm-vet.ts";

const FIXTURES = fileURLToPath(new URL("fixtures/mm-vet/", import.meta.url));
const IMAGES = ["v1_0.png", "v1_1.jpg"];

async function dataDir(t: TestContext, names = IMAGES): Promise<{ dir: string; bytes: Map<string, Buffer> }> {
  const dir = await tempDir(t);
  await cp(FIXTURES, join(dir, "mm-vet"), { recursive: true });
  await mkdir(join(dir, "mm-vet", "images"), { recursive: true });
  const bytes = new Map<string, Buffer>();
  for (const [i, name] of names.entries()) {
    const canvas = createCanvas(3, 2);
    const context = canvas.getContext("2d");
    context.fillStyle = `rgb(0, 0, ${80 * (i + 1)})`;
    context.fillRect(0, 0, 3, 2);
    const data = name.endsWith(".png") ? canvas.encodeSync("png") : canvas.encodeSync("jpeg");
    bytes.set(name, data);
    await writeFile(join(dir, "mm-vet", "images", name), data);
  }
  return { dir, bytes };
}

describe("MM-Vet benchmark", () => {
  test("the question alone, the ground truth as the reference, the capabilities as the category", async (t) => {
    const { dir, bytes } = await dataDir(t);
    const samples = await mmVet.load({}, { dataDir: dir });
    const image = bytes.get("v1_0.png")!;
    assert.deepEqual(withImageContent(samples[0]!), {
      benchmark: "mm-vet",
      sampleId: "v1_0",
      subset: "test",
      category: "ocr,math",
      group: "capability",
      prompt: "What is x in the equation?",
      images: [{ name: "v1_0.png", bytes: image, sha256: sha256(image) }],
      shouldRefuse: false,
      reference: { answer: "-1<AND>-5" },
    });
    assert.deepEqual(samples.map((s) => [s.sampleId, mmVetCapabilities(s), s.images[0]!.name]), [
      ["v1_0", ["ocr", "math"], "v1_0.png"],
      ["v1_1", ["rec", "know", "gen"], "v1_1.jpg"],
      ["v1_2", ["ocr"], "v1_0.png"],
    ]);
    // A loaded sample feeds the grader request directly.
    const { messages } = mmVetGraderRequest({ question: samples[0]!.prompt, answer: samples[0]!.reference!.answer }, "x = -1 or x = -5");
    assert.equal(messages[0]!.content, `${MM_VET_GRADER_PROMPT}\nWhat is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | `);
  });

  test("missing images and files are reported with the release zip", async (t) => {
    const { dir } = await dataDir(t, ["v1_0.png"]);
    await rejectsWith(mmVet.load({}, { dataDir: dir }), DataError, "1 of 2 mm-vet images are missing", "v1_1.jpg", "mm-vet.zip");
    const inventory = await mmVet.inventory({}, { dataDir: dir });
    assert.deepEqual([inventory.samples, inventory.imagesPresent, inventory.imagesMissing], [3, 1, 1]);
    assert.deepEqual((await mmVet.inventory({}, { dataDir: null })).missing, [join("<data-dir>", "mm-vet", "mm-vet.json")]);
  });

  test("malformed items name the item and field", async (t) => {
    const { dir } = await dataDir(t);
    const file = join(dir, "mm-vet", "mm-vet.json");
    await writeFile(file, JSON.stringify({ v1_0: { imagename: "v1_0.png", capability: [], question: "Q", answer: "A" } }));
    await rejectsWith(mmVet.load({}, { dataDir: dir }), DataError, "row 1", 'column "capability"');
    await writeFile(file, JSON.stringify([{ imagename: "v1_0.png" }]));
    await rejectsWith(mmVet.load({}, { dataDir: dir }), DataError, "keyed by id");
  });
});
