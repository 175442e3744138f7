import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { DataError } from "../errors.ts";
import { ImageStore } from "../images/store.ts";
import { tempDir } from "../test-support.ts";
import { loadUserImages } from "./user-images.ts";

/** The DataError `promise` rejects with (any other outcome fails the test). */
async function dataError(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.then(
    () => assert.fail("expected a DataError"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DataError, String(error));
  return error;
}

test("loadUserImages: a file, or a link to one inside the folder, is present; a dangling link, a folder or nothing is missing; a link out is refused", async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, "data");
  const folder = join(dataDir, "bench", "images");
  await mkdir(join(folder, "a-folder.png"), { recursive: true });
  await writeFile(join(folder, "a.png"), "bytes of a");
  await symlink(join(folder, "a.png"), join(folder, "link-to-a.png"));
  await symlink(join(folder, "gone.png"), join(folder, "dangling.png"));
  await writeFile(join(dir, "outside.png"), "private");
  await symlink(join(dir, "outside.png"), join(folder, "link-out.png"));
  const context = { dataDir, images: new ImageStore(join(dir, "cache")) };
  const path = (name: string) => join(folder, name);

  const images = await loadUserImages("bench", [path("a.png"), path("link-to-a.png"), path("a.png")], context, "get it upstream");
  assert.deepEqual([...images.keys()], [path("a.png"), path("link-to-a.png")], "each distinct file once, in first-seen order");
  assert.equal(images.get(path("a.png"))!.sha256, images.get(path("link-to-a.png"))!.sha256);
  assert.equal(images.get(path("a.png"))!.name, "a.png");

  const missing = await dataError(loadUserImages("bench", [path("a.png"), path("dangling.png"), path("a-folder.png"), path("none.png")], context, "get it upstream", folder));
  assert.equal(missing.location.file, folder);
  assert.match(missing.problem, /^3 of 4 bench images are missing: .*dangling\.png, .*a-folder\.png, .*none\.png$/);
  assert.equal(missing.fix, "get it upstream");

  const out = await dataError(loadUserImages("bench", [path("link-out.png")], context, "get it upstream"));
  assert.match(out.problem, /is a symbolic link leading out of .*bench \(to .*outside\.png\)/);

  const none = await dataError(loadUserImages("bench", [path("a.png")], { dataDir: null, images: context.images }, "get it upstream"));
  assert.match(none.problem, /^1 of 1 bench images are missing/, "without a data folder every image is missing, and nothing is looked up");
});
