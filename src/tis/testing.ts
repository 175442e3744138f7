// Test fixtures for the TiS tests: the shipped 8-record sample and tiny images at its paths.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { encodeGrayPng } from "../benchmarks/gray-png.ts";
import { tempDir } from "../test-support.ts";

export const SAMPLE = fileURLToPath(new URL("../../datasets/think-in-safety/tis_sample.json", import.meta.url));

/** The image paths of the sample's 8 records, in order (records 3–4 and 5–6 share an image). */
export const SAMPLE_IMAGES = [
  "images/bad_ads/b02f62a0-5ee9-4c5d-8a68-757a3bf13640.png",
  "images/bad_ads/39cce764-2241-4b2e-bb5e-f762cfa3d097.png",
  "images/bad_ads/c7ea6a82-e859-4363-b168-861bd2ee1a71.png",
  "images/bad_ads/c7ea6a82-e859-4363-b168-861bd2ee1a71.png",
  "images/privacyAlert/50707824997.jpg",
  "images/privacyAlert/50707824997.jpg",
  "images/Malicious Use/Fraud or deceptive action/financial fraud/31.jpg",
  "images/Malicious Use/Fraud or deceptive action/financial fraud/467.jpg",
];

/** A small colour image: RGBA PNG for .png paths, RGB JPEG otherwise. */
export function colourImage(path: string, width = 6, height = 4): Buffer {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext("2d");
  context.fillStyle = "#c03";
  context.fillRect(0, 0, width, height);
  return path.endsWith(".png") ? canvas.encodeSync("png") : canvas.encodeSync("jpeg");
}

/** A grayscale PNG (colour type 0), which OpenAI's rules do not accept as it is. */
export function grayImage(width = 5, height = 5): Buffer {
  return encodeGrayPng(width, height, new Uint8Array(width * height).fill(90));
}

export async function writeImage(root: string, path: string, bytes: Buffer = colourImage(path)): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), bytes);
}

/** A folder holding a copy of the sample as train_data.json and an image at every path except `omit`. */
export async function sampleRelease(t: TestContext, options: { omit?: string[] } = {}): Promise<{ dir: string; file: string }> {
  const dir = await tempDir(t, "thinksafe-tis-");
  const file = join(dir, "train_data.json");
  await copyFile(SAMPLE, file);
  for (const path of new Set(SAMPLE_IMAGES)) if (!options.omit?.includes(path)) await writeImage(dir, path);
  return { dir, file };
}
