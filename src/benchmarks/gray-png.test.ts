import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { encodeGrayPng, grayFromRgba } from "./gray-png.ts";

describe("grayscale PNG encoder", () => {
  test("a decoder reads back every pixel", async () => {
    const pixels = Uint8Array.from([0, 64, 128, 255, 1, 254]);
    const image = await loadImage(encodeGrayPng(3, 2, pixels));
    assert.deepEqual([image.width, image.height], [3, 2]);
    const context = createCanvas(3, 2).getContext("2d");
    context.drawImage(image, 0, 0);
    const rgba = context.getImageData(0, 0, 3, 2).data;
    assert.deepEqual(grayFromRgba(rgba), pixels);
    assert.ok(rgba.every((value, i) => i % 4 !== 3 || value === 255), "opaque");
  });

  test("the pixel count must match the size", () => {
    assert.throws(() => encodeGrayPng(3, 2, new Uint8Array(5)), RangeError);
  });
});
