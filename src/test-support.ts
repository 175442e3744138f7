// Helpers shared by the unit tests.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { extract } from "tar-stream";
import { imageMime } from "./models/images.ts";

/** A fresh temporary folder, removed when the test ends. */
export async function tempDir(t: TestContext, prefix = "thinksafe-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `promise` rejects with an error of `type` whose message contains every fragment. */
export async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error, ...fragments: string[]): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error.name}: ${error.message}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}

/** A sample image as tests compare it: its name, its sha256 and the bytes its file holds now. */
export function imageContent(image: { name: string; path: string; sha256: string }): { name: string; sha256: string; bytes: Buffer } {
  return { name: image.name, sha256: image.sha256, bytes: readFileSync(image.path) };
}

/** A sample with its images as `imageContent` gives them. */
export function withImageContent<T extends { images: ReadonlyArray<{ name: string; path: string; sha256: string }> }>(sample: T): Omit<T, "images"> & { images: ReturnType<typeof imageContent>[] } {
  return { ...sample, images: sample.images.map(imageContent) };
}

/** What a sample image's file holds now, by its magic bytes: PNG, JPEG or neither (null). */
export function mimeOf(image: { path: string }): "image/png" | "image/jpeg" | null {
  return imageMime(readFileSync(image.path));
}

/** `bytes` written to a file of a fresh temporary folder, as a sample image that refers to it. */
export async function imageFile(t: TestContext, bytes: Buffer, name = "image.png"): Promise<{ name: string; path: string; sha256: string }> {
  const path = join(await tempDir(t), name);
  await writeFile(path, bytes);
  return { name, path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** The members of a tar archive, in order, with their header times (seconds lost) and contents. */
export async function tarMembers(archive: Buffer): Promise<Array<{ name: string; mtime: number; bytes: Buffer }>> {
  const members: Array<{ name: string; mtime: number; bytes: Buffer }> = [];
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      members.push({ name: entry.header.name, mtime: entry.header.mtime?.getTime() ?? NaN, bytes: Buffer.concat(chunks) });
    }
  })();
  reader.end(archive);
  await done;
  return members;
}
