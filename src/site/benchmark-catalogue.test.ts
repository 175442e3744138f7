import assert from "node:assert/strict";
import { test } from "node:test";
import { figStepSampleId, readFigStepTasks } from "../benchmarks/figstep.ts";
import { renderFigStepImage } from "../benchmarks/figstep-render.ts";
import { ImageStore } from "../images/store.ts";
import { tempDir } from "../test-support.ts";
import { figStepGallery } from "./benchmark-catalogue.ts";

test("the FigStep gallery draws SafeBench-Tiny once: a later build takes every image from the render cache, byte for byte", async (t) => {
  const cache = await tempDir(t);
  const first = new ImageStore(cache);
  const drawn = await figStepGallery(first);
  assert.equal(first.counts.rendered, 50);
  first.close();

  // A new process over the same cache folder (the next build) draws nothing and publishes the same JSON.
  const later = new ImageStore(cache);
  const again = await figStepGallery(later);
  later.close();
  assert.deepEqual([later.counts.rendered, later.counts.reused], [0, 50]);
  assert.equal(JSON.stringify(again), JSON.stringify(drawn));

  const { tasks } = await readFigStepTasks({ subset: "tiny" });
  assert.deepEqual(again.map((image) => image.sampleId), tasks.map(figStepSampleId));
  assert.equal(again[0]!.dataUri, `data:image/png;base64,${renderFigStepImage(tasks[0]!.instruction).toString("base64")}`);
});
