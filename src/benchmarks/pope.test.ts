import assert from "node:assert/strict";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test, type TestContext } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { DataError, UsageError } from "../errors.ts";
import { sha256 } from "../provenance.ts";
import { rejectsWith, tempDir, withImageContent } from "../test-support.ts";
import { pope } from "./pope.ts";

const FIXTURES = fileURLToPath(new URL("fixtures/pope/", import.meta.url));
const IMAGES = ["COCO_val2014_000000000042.jpg", "COCO_val2014_000000000073.jpg"];

function jpeg(shade: number): Buffer {
  const canvas = createCanvas(4, 3);
  const context = canvas.getContext("2d");
  context.fillStyle = `rgb(${shade}, ${shade}, ${shade})`;
  context.fillRect(0, 0, 4, 3);
  return canvas.encodeSync("jpeg");
}

/** A data folder with the fixture question files and the images in `names`. */
async function dataDir(t: TestContext, names = IMAGES): Promise<{ dir: string; bytes: Map<string, Buffer> }> {
  const dir = await tempDir(t);
  await cp(FIXTURES, join(dir, "pope"), { recursive: true });
  await mkdir(join(dir, "pope", "val2014"), { recursive: true });
  const bytes = new Map<string, Buffer>();
  for (const [i, name] of names.entries()) {
    const image = jpeg(60 * (i + 1));
    bytes.set(name, image);
    await writeFile(join(dir, "pope", "val2014", name), image);
  }
  return { dir, bytes };
}

describe("POPE benchmark", () => {
  test("random (default): the question as the prompt, the COCO image, the label as the reference", async (t) => {
    const { dir, bytes } = await dataDir(t);
    const samples = await pope.load({}, { dataDir: dir });
    assert.equal(samples.length, 3);
    const image = bytes.get(IMAGES[0]!)!;
    assert.deepEqual(withImageContent(samples[0]!), {
      benchmark: "pope",
      sampleId: "1",
      subset: "random",
      category: null,
      group: "capability",
      prompt: "Is there a dog in the image?",
      images: [{ name: IMAGES[0], bytes: image, sha256: sha256(image) }],
      shouldRefuse: false,
      reference: { answer: "yes" },
    });
    assert.deepEqual(samples.map((s) => [s.sampleId, s.reference?.answer, s.images[0]!.name]), [
      ["1", "yes", IMAGES[0]],
      ["2", "no", IMAGES[0]],
      ["3", "yes", IMAGES[1]],
    ]);
    // Questions on the same image share one reference (and the file was read once).
    assert.equal(samples[0]!.images[0], samples[1]!.images[0]);
  });

  test("popular and adversarial subsets, limit, and an unknown subset", async (t) => {
    const { dir } = await dataDir(t);
    const popular = await pope.load({ subset: "popular" }, { dataDir: dir });
    assert.deepEqual(popular.map((s) => [s.subset, s.prompt]), [
      ["popular", "Is there a dog in the image?"],
      ["popular", "Is there a person in the image?"],
    ]);
    const adversarial = await pope.load({ subset: "adversarial", limit: 1 }, { dataDir: dir });
    assert.deepEqual(adversarial.map((s) => s.prompt), ["Is there a bicycle in the image?"]);
    await rejectsWith(pope.load({ subset: "gqa" }, { dataDir: dir }), UsageError, 'no subset "gqa"', "random, popular, adversarial");
  });

  test("missing images: load names them and says where COCO val2014 comes from; inventory counts them", async (t) => {
    const { dir } = await dataDir(t, [IMAGES[0]!]);
    await rejectsWith(pope.load({}, { dataDir: dir }), DataError, "1 of 2 pope images are missing", IMAGES[1]!, "val2014.zip");
    const inventory = await pope.inventory({}, { dataDir: dir });
    assert.deepEqual([inventory.subset, inventory.samples, inventory.imagesPresent, inventory.imagesMissing], ["random", 3, 1, 1]);
    assert.deepEqual(inventory.missing, [join(dir, "pope", "val2014", IMAGES[1]!)]);
    assert.ok(inventory.howToGet?.includes("AoiDragon/POPE"));
  });

  test("no data folder, or no question file: load explains, inventory reports the file as missing", async (t) => {
    await rejectsWith(pope.load({}, { dataDir: null }), DataError, "no data folder was given", "--data-dir");
    const none = await pope.inventory({}, { dataDir: null });
    assert.equal(none.samples, 0);
    assert.deepEqual(none.missing, [join("<data-dir>", "pope", "coco_pope_random.json")]);
    assert.ok(none.howToGet?.startsWith("no data folder given"));
    const empty = await tempDir(t);
    await rejectsWith(pope.load({}, { dataDir: empty }), DataError, "coco_pope_random.json", "file not found");
    assert.deepEqual((await pope.inventory({}, { dataDir: empty })).missing, [join(empty, "pope", "coco_pope_random.json")]);
  });

  test("malformed question files are reported with file, line and field", async (t) => {
    const { dir } = await dataDir(t);
    const file = join(dir, "pope", "coco_pope_random.json");
    await writeFile(file, '{"question_id": 1, "image": "a.jpg", "text": "Is there a cat?", "label": "yes"}\n{"question_id": 2, "image": "a.jpg", "text": "Is there a dog?", "label": "maybe"}\n');
    await rejectsWith(pope.load({}, { dataDir: dir }), DataError, "line 2", 'column "label"', '"maybe"');
    await writeFile(file, '{"question_id": 1, "image": "../a.jpg", "text": "Is there a cat?", "label": "yes"}\n');
    await rejectsWith(pope.load({}, { dataDir: dir }), DataError, "line 1", 'column "image"', "relative path");
    await writeFile(file, '{"question_id": 1, "image": "a.jpg", "text": "?", "label": "yes"}\n{"question_id": 1, "image": "a.jpg", "text": "?", "label": "no"}\n');
    await rejectsWith(pope.load({}, { dataDir: dir }), DataError, "line 2", "duplicate question_id 1");
    await writeFile(file, "[1, 2]\n");
    await rejectsWith(pope.load({}, { dataDir: dir }), DataError, "line 1", "JSON object");
  });
});
