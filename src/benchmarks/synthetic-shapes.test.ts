import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { readPngText } from "../simulator/perception.ts";
import { grayFromRgba } from "./gray-png.ts";
import { getBenchmark } from "./index.ts";
import { inside, SHAPES, shapesItem, shapesItems, syntheticShapes } from "./synthetic-shapes.ts";

async function pixelsOf(bytes: Buffer): Promise<{ width: number; height: number; gray: Uint8Array }> {
  const image = await loadImage(bytes);
  const context = createCanvas(image.width, image.height).getContext("2d");
  context.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, gray: grayFromRgba(context.getImageData(0, 0, image.width, image.height).data) };
}

describe("synthetic-shapes", () => {
  test("is registered as a capability benchmark", () => {
    assert.equal(getBenchmark("synthetic-shapes"), syntheticShapes);
    assert.equal(syntheticShapes.group, "capability");
  });

  test("80 POPE-style questions: per image one shape it shows (yes) and one it does not (no)", async () => {
    const samples = await syntheticShapes.load();
    assert.equal(samples.length, 80);
    assert.equal(new Set(samples.map((s) => s.sampleId)).size, 80, "sample ids are unique");
    assert.equal(samples.filter((s) => s.reference?.answer === "yes").length, 40);
    for (const sample of samples) {
      assert.equal(sample.group, "capability");
      assert.equal(sample.shouldRefuse, false);
      assert.equal(sample.judgeContext, undefined, "capability items are scored, not judged: no judge context");
      assert.equal(sample.images.length, 1);
      const match = /^Is there a (\w+) in the image\?$/.exec(sample.prompt);
      assert.ok(match, sample.prompt);
      const shown = /^Shapes: (.*)\.$/.exec(readPngText(readFileSync(sample.images[0]!.path)).Description ?? "")?.[1]?.split(", ");
      assert.ok(shown && shown.length >= 2 && shown.length <= 3, `the Description lists the shapes: ${shown}`);
      assert.equal(sample.reference!.answer, shown.includes(match[1]!) ? "yes" : "no", sample.sampleId);
      assert.equal(sample.category, match[1]);
    }
  });

  test("the pixels show the shapes the Description names, where the item puts them", async () => {
    for (const index of [0, 7, 23, 39]) {
      const item = shapesItem(index);
      const sample = (await syntheticShapes.load()).find((s) => s.sampleId.startsWith(`${item.image}-`))!;
      const { width, height, gray } = await pixelsOf(readFileSync(sample.images[0]!.path));
      assert.deepEqual([width, height], [240, 240]);
      const at = (x: number, y: number) => gray[Math.round(y) * width + Math.round(x)]!;
      const used = new Set(item.shapes.map((s) => s.cell));
      for (const { shape, cell, radius, ink } of item.shapes) {
        const [cx, cy] = [(cell % 3) * 80 + 40, Math.floor(cell / 3) * 80 + 40];
        // A point well inside the shape has its ink; the ring's centre is a hole.
        const [x, y] = shape === "ring" ? [cx + 0.78 * radius, cy] : [cx, cy];
        assert.equal(at(x, y), ink, `${item.image}: ${shape} inked at its centre`);
        if (shape === "ring") assert.equal(at(cx, cy), 245, "the ring's hole is background");
      }
      for (let cell = 0; cell < 9; cell++) {
        if (!used.has(cell)) assert.equal(at((cell % 3) * 80 + 40, Math.floor(cell / 3) * 80 + 40), 245, `${item.image}: cell ${cell} is empty`);
      }
    }
  });

  test("every shape is drawn somewhere, and the shapes are told apart by their outlines", () => {
    const drawn = new Set(shapesItems().flatMap((item) => item.shapes.map((s) => s.shape)));
    assert.deepEqual([...drawn].sort(), [...SHAPES].sort());
    // Points that separate the shapes: a corner, the centre, and the middle of an edge.
    assert.deepEqual(SHAPES.map((s) => inside(s, 0.75, 0.75)), [false, true, true, false, false, false, false, false]);
    assert.deepEqual(SHAPES.map((s) => inside(s, 0, 0)), [true, true, true, true, true, true, false, true]);
    assert.deepEqual(SHAPES.map((s) => inside(s, 0.9, 0)), [true, false, false, false, true, true, true, true]);
    assert.deepEqual(SHAPES.map((s) => inside(s, 0, -0.9)), [true, false, true, true, true, true, true, false]);
  });

  test("the same item always gives the same bytes; limit takes the first samples", async () => {
    const first = await syntheticShapes.load({ limit: 3 });
    assert.deepEqual(first.map((s) => s.sampleId), (await syntheticShapes.load()).slice(0, 3).map((s) => s.sampleId));
    assert.deepEqual(shapesItem(5), shapesItem(5));
    assert.deepEqual(await syntheticShapes.inventory(), { subset: "yes-no", samples: 80, imagesPresent: 80, imagesMissing: 0, missing: [], howToGet: null });
    assert.equal((await syntheticShapes.inventory({ limit: 10 })).samples, 10);
  });
});
