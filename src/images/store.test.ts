import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { DataError, SampleError } from "../errors.ts";
import { rejectsWith, tempDir } from "../test-support.ts";
import { HashIndex } from "./hash-index.ts";
import { ImageStore, readImage, renderKey, type RenderRecipe } from "./store.ts";

const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");
/** Ten minutes ago, with a sub-second part (as file systems with nanosecond mtimes store it). */
const past = (seconds = 600) => new Date(Date.now() - seconds * 1000 + 123);

async function fixture(t: TestContext): Promise<{ cache: string; file: string; bytes: Buffer }> {
  const dir = await tempDir(t);
  const file = join(dir, "data", "a.png");
  await mkdir(join(dir, "data"));
  const bytes = Buffer.from("first version of the image bytes");
  await writeFile(file, bytes);
  await utimes(file, past(), past());
  return { cache: join(dir, "cache"), file, bytes };
}

/** Overwrites the file's bytes in place (same inode) with as many other bytes, then puts its mtime back. */
async function overwriteKeepingStamp(file: string, bytes: Buffer): Promise<void> {
  const { atime, mtime } = statSync(file);
  const handle = await open(file, "r+");
  await handle.write(bytes, 0, bytes.length, 0);
  await handle.close();
  await utimes(file, atime, mtime);
}

describe("image store: the user's files", () => {
  test("a file is hashed once: a later run takes its hash from the index by its stamp, without reading it", async (t) => {
    const { cache, file, bytes } = await fixture(t);
    const first = new ImageStore(cache);
    assert.deepEqual(await first.file(file, "a.png"), { name: "a.png", path: file, sha256: sha256(bytes) });
    assert.deepEqual(first.counts, { hashed: 1, known: 0, rendered: 0, reused: 0 });
    first.close();

    // A new process: the index on disk says the file is unchanged.
    const second = new ImageStore(cache);
    assert.equal((await second.file(file, "a.png")).sha256, sha256(bytes));
    assert.deepEqual(second.counts, { hashed: 0, known: 1, rendered: 0, reused: 0 });
    // The proof that it was not read: bytes changed behind an unchanged stamp go unnoticed, by the
    // index and by readImage, which trusts the same stamp (no tool but this test leaves one unchanged).
    const other = Buffer.from("other version of the image bytes");
    await overwriteKeepingStamp(file, other);
    assert.equal((await new ImageStore(cache).file(file, "a.png")).sha256, sha256(bytes));
    assert.deepEqual(await readImage({ name: "a.png", path: file, sha256: sha256(bytes) }), other);
    // A new mtime: readImage hashes what it read, and finds the change.
    await utimes(file, past(60), past(60));
    await rejectsWith(readImage({ name: "a.png", path: file, sha256: sha256(bytes) }), SampleError, "changed since the samples were loaded");
  });

  test("a new mtime, size or inode means the file is read again, and its new hash remembered", async (t) => {
    const { cache, file, bytes } = await fixture(t);
    await new ImageStore(cache).file(file, "a.png");
    const hashOf = async () => {
      const store = new ImageStore(cache);
      const { sha256: hash } = await store.file(file, "a.png");
      return { hash, read: store.counts.hashed === 1 };
    };

    // mtime: the same bytes touched.
    await utimes(file, past(300), past(300));
    assert.deepEqual(await hashOf(), { hash: sha256(bytes), read: true });
    assert.deepEqual(await hashOf(), { hash: sha256(bytes), read: false }, "the new stamp is remembered");

    // size: other bytes, the old mtime put back.
    const longer = Buffer.from("a longer second version of the image bytes");
    const { mtime } = statSync(file);
    await writeFile(file, longer);
    await utimes(file, mtime, mtime);
    assert.deepEqual(await hashOf(), { hash: sha256(longer), read: true });

    // inode: a file of the same size and mtime moved over it.
    const same = Buffer.from("a longer third  version of the image bytes");
    assert.equal(same.length, longer.length);
    await writeFile(`${file}.new`, same);
    await utimes(`${file}.new`, mtime, mtime);
    await rename(`${file}.new`, file);
    assert.deepEqual(await hashOf(), { hash: sha256(same), read: true });
  });

  test("an entry taken as the file was being written is not trusted (racy): the next run reads it again", async (t) => {
    const { cache, file } = await fixture(t);
    await writeFile(file, "written just now");
    await new ImageStore(cache).file(file, "a.png");
    const rerun = new ImageStore(cache);
    await rerun.file(file, "a.png");
    assert.equal(rerun.counts.hashed, 1, "mtime within 50 ms of the hashing: read again");

    // A file system that stores whole seconds: 2 s of margin.
    const now = Math.floor(Date.now() / 1000);
    await utimes(file, now - 1, now - 1);
    await new ImageStore(cache).file(file, "a.png");
    const wholeSecond = new ImageStore(cache);
    await wholeSecond.file(file, "a.png");
    assert.equal(wholeSecond.counts.hashed, 1, "a whole-second mtime 1 s old is racy");
    await utimes(file, now - 5, now - 5);
    await new ImageStore(cache).file(file, "a.png");
    const settled = new ImageStore(cache);
    await settled.file(file, "a.png");
    assert.equal(settled.counts.known, 1, "5 s old: trusted");
  });

  test("a missing file is a DataError naming it", async (t) => {
    const { cache, file } = await fixture(t);
    await rejectsWith(new ImageStore(cache).file(`${file}.gone`, "gone.png"), DataError, `${file}.gone`, "image not found");
  });
});

describe("image store: the hash index on disk", () => {
  test("torn, malformed and foreign lines are skipped; a later line wins", async (t) => {
    const { cache, file, bytes } = await fixture(t);
    const store = new ImageStore(cache);
    await store.file(file, "a.png");
    store.close();
    const dir = join(cache, "images", "hashes");
    const [segment] = await readdir(dir);
    const valid = (await readFile(join(dir, segment!), "utf8")).trim();
    const entry = JSON.parse(valid) as Record<string, unknown>;
    const lines = [
      "not json",
      JSON.stringify({ ...entry, format: 2 }),
      JSON.stringify({ ...entry, sha256: "not a hash" }),
      JSON.stringify({ ...entry, mtime_ns: 12 }),
      valid,
      JSON.stringify({ ...entry, sha256: "f".repeat(64) }), // later: wins
      valid.slice(0, 40), // torn
    ];
    await writeFile(join(dir, segment!), `${lines.join("\n")}`);
    assert.equal((await new ImageStore(cache).file(file, "a.png")).sha256, "f".repeat(64));
    await writeFile(join(dir, segment!), `${lines.slice(0, 5).join("\n")}\n${valid.slice(0, 40)}`);
    assert.equal((await new ImageStore(cache).file(file, "a.png")).sha256, sha256(bytes));
  });

  test("more than 16 segments are folded into one, leaving out files that are gone", async (t) => {
    const { cache, file } = await fixture(t);
    const data = join(file, "..");
    for (let i = 0; i < 17; i++) {
      await writeFile(join(data, `${i}.png`), `image ${i}`);
      await utimes(join(data, `${i}.png`), past(), past());
      const store = new ImageStore(cache);
      await store.file(join(data, `${i}.png`), `${i}.png`);
      store.close();
    }
    const dir = join(cache, "images", "hashes");
    assert.equal((await readdir(dir)).length, 17);
    await rm(join(data, "0.png"));
    const index = new HashIndex(dir);
    const stamp = (name: string) => {
      const stats = statSync(join(data, name), { bigint: true });
      return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ino: stats.ino };
    };
    assert.equal(index.get(join(data, "16.png"), stamp("16.png")), sha256("image 16"));
    const left = await readdir(dir);
    assert.equal(left.length, 1);
    const folded = (await readFile(join(dir, left[0]!), "utf8")).trim().split("\n");
    assert.equal(folded.length, 16, "the gone file's entry is left out");
    assert.ok(!folded.some((line) => line.includes(`${join(data, "0.png")}"`)));
  });
});

describe("image store: the render cache", () => {
  const recipe: RenderRecipe = { renderer: "test", version: 1, inputs: { text: "Steps to test." } };

  test("a second run draws nothing: the render is found by its recipe, its hash by its stamp", async (t) => {
    const cache = join(await tempDir(t), "cache");
    let draws = 0;
    const draw = () => {
      draws++;
      return [Buffer.from("first part"), Buffer.from("second part")];
    };
    const first = await new ImageStore(cache).rendered(recipe, ["x_part1.png", "x_part2.png"], draw);
    assert.equal(draws, 1);
    assert.deepEqual(first.map((image) => [image.name, image.sha256]), [["x_part1.png", sha256("first part")], ["x_part2.png", sha256("second part")]]);
    assert.deepEqual(await Promise.all(first.map((image) => readFile(image.path, "utf8"))), ["first part", "second part"]);
    const key = renderKey(recipe);
    assert.deepEqual(first.map((image) => image.path), [1, 2].map((k) => join(cache, "images", "renders", `${key}-${k}.png`)));

    const rerun = new ImageStore(cache);
    assert.deepEqual(await rerun.rendered(recipe, ["x_part1.png", "x_part2.png"], draw), first);
    assert.equal(draws, 1, "nothing drawn again");
    assert.deepEqual(rerun.counts, { hashed: 0, known: 2, rendered: 0, reused: 2 }, "and nothing read to know their hashes");
    // No temporary file is left behind.
    assert.deepEqual((await readdir(join(cache, "images", "renders"))).sort(), [`${key}-1.png`, `${key}-2.png`]);
  });

  test("what determines the pixels keys the render: another text, version or input is drawn anew", async (t) => {
    const cache = join(await tempDir(t), "cache");
    const keys = new Set<string>();
    const variants: RenderRecipe[] = [
      recipe,
      { ...recipe, inputs: { text: "Steps to test again." } },
      { ...recipe, version: 2 },
      { ...recipe, renderer: "other" },
      { ...recipe, inputs: { ...recipe.inputs, font: "a".repeat(64) } },
    ];
    let draws = 0;
    for (const variant of variants) {
      const [image] = await new ImageStore(cache).rendered(variant, ["x.png"], () => [Buffer.from(`drawn ${++draws}`)]);
      keys.add(image!.path);
    }
    assert.equal(draws, variants.length);
    assert.equal(keys.size, variants.length);
    // The key is canonical: the order of the recipe's fields does not matter.
    assert.equal(renderKey({ inputs: { text: "Steps to test." }, version: 1, renderer: "test" }), renderKey(recipe));
  });

  test("a render that fails to draw leaves nothing behind and is drawn again next time", async (t) => {
    const cache = join(await tempDir(t), "cache");
    await assert.rejects(new ImageStore(cache).rendered(recipe, ["x.png"], () => Promise.reject(new Error("cannot draw"))), /cannot draw/);
    assert.ok(!existsSync(join(cache, "images", "renders")) || (await readdir(join(cache, "images", "renders"))).length === 0);
    const [image] = await new ImageStore(cache).rendered(recipe, ["x.png"], () => [Buffer.from("drawn")]);
    assert.equal(await readFile(image!.path, "utf8"), "drawn");
  });
});

describe("readImage", () => {
  test("the file's bytes, checked against the hash the request is keyed on", async (t) => {
    const { file, bytes } = await fixture(t);
    assert.deepEqual(await readImage({ name: "a.png", path: file, sha256: sha256(bytes) }), bytes);
    await writeFile(file, "changed");
    await rejectsWith(readImage({ name: "a.png", path: file, sha256: sha256(bytes) }), SampleError, "a.png: changed since the samples were loaded", `${sha256("changed").slice(0, 12)}… now`);
    await rm(file);
    await assert.rejects(readImage({ name: "a.png", path: file, sha256: sha256(bytes) }), (error: unknown) => error instanceof SampleError && error.kind === "image_unreadable" && error.message.includes("ENOENT"));
  });
});
