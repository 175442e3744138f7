// Hostile files: images that decode to gigabytes, files that are no images, symbolic links out of
// their folder, YAML alias bombs, and run folders that hold another experiment's files. Each case
// runs the CLI in a child process and asserts the named error, what is kept, that nothing secret
// is written, and peak memory under 1 GB.
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { sha256 } from "../../src/provenance.ts";
import { tempDir } from "../../src/test-support.ts";
import { SAMPLE_IMAGES, sampleRelease } from "../../src/tis/testing.ts";
import { hugeGrayPng } from "./images.ts";
import { startHostileServer, type HostileServer } from "./server.ts";
import { assertNoSecret, KEY_VARIABLE, responseRows, runCli } from "./support.ts";

let server: HostileServer;
before(async () => {
  server = await startHostileServer();
});
after(() => server.close());

function jpeg(): Buffer {
  const canvas = createCanvas(4, 3);
  const context = canvas.getContext("2d");
  context.fillStyle = "#888";
  context.fillRect(0, 0, 4, 3);
  return canvas.encodeSync("jpeg");
}

/** A user's POPE copy: one question per image of `images` (name → bytes), in order. */
async function popeCopy(dir: string, images: Array<[string, Buffer]>): Promise<string> {
  const dataDir = join(dir, "data");
  await mkdir(join(dataDir, "pope", "val2014"), { recursive: true });
  const lines = images.map(([name], i) => JSON.stringify({ question_id: i + 1, image: name, text: `Is there a dog in the image ${i + 1}?`, label: "no" }));
  await writeFile(join(dataDir, "pope", "coco_pope_random.json"), `${lines.join("\n")}\n`);
  for (const [name, bytes] of images) await writeFile(join(dataDir, "pope", "val2014", name), bytes);
  return dataDir;
}

const popeExperiment = (dataDir: string, extra = "") => `id: hostile-images
models:
  - {id: good, model: good, base_url: "${server.url}", api_key_env: ${KEY_VARIABLE}}
benchmarks: [{id: pope}]
data_dir: ${JSON.stringify(dataDir)}
image_max_side: 1024
concurrency: 4
timeout_s: 20
${extra}`;

describe("hostile images in a user's benchmark folder fail their own samples", () => {
  test("four 20000×20000 PNGs are image_too_large from their headers, never decoded; a text file named .jpg is invalid_image; the good image is answered", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const huge = hugeGrayPng(20000, 20000);
    const dataDir = await popeCopy(dir, [
      ...[1, 2, 3, 4].map((i): [string, Buffer] => [`huge-${i}.png`, Buffer.concat([huge, Buffer.from([i])])]),
      ["notes.jpg", Buffer.from("these are my notes, not a picture\n")],
      ["ok.jpg", jpeg()],
    ]);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, popeExperiment(dataDir));
    const run = await runCli(t, dir, ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")]);
    assert.equal(run.code, 1, run.err);
    const rows = await responseRows(join(dir, "out", "responses.parquet"));
    assert.deepEqual(rows.map((r) => [r.sample_id, r.error_kind]), [
      ["1", "image_too_large"],
      ["2", "image_too_large"],
      ["3", "image_too_large"],
      ["4", "image_too_large"],
      ["5", "invalid_image"],
      ["6", null],
    ]);
    assert.match(rows[0]!.error!, /^huge-1\.png: 20000×20000 pixels \(400 MP\) is over the 50 MP limit; it was not decoded \(scale it down, or raise limits\.image_megapixels\)/);
    assert.match(rows[4]!.error!, /^notes\.jpg: not a PNG or JPEG image \(its first bytes match neither\)/);
    assert.ok(rows.every((r) => !(r.error ?? "").includes(dataDir)), "errors name the image, not where this machine keeps it");
    assert.equal(server.requests.get("good"), 1, "only the good image was sent");
    assert.match(run.err, /5 failed \(image_too_large 4, invalid_image 1\)/);
    await assertNoSecret(dir, [], run.out, run.err);
  });

  test("limits.image_megapixels sets the bound", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const dataDir = await popeCopy(dir, [["ok.jpg", jpeg()]]);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, popeExperiment(dataDir, "limits: {image_megapixels: 0.00001}\n"));
    const run = await runCli(t, dir, ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")]);
    assert.equal(run.code, 1);
    const [row] = await responseRows(join(dir, "out", "responses.parquet"));
    assert.match(row!.error!, /^ok\.jpg: 4×3 pixels \(0 MP\) is over the 0 MP limit/);
  });

  test("a symbolic link leading out of the data folder stops the load naming it, before any request", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const dataDir = await popeCopy(dir, [["ok.jpg", jpeg()]]);
    await writeFile(join(dir, "private.jpg"), jpeg());
    await symlink(join(dir, "private.jpg"), join(dataDir, "pope", "val2014", "ok.jpg").replace("ok.jpg", "link.jpg"));
    await writeFile(join(dataDir, "pope", "coco_pope_random.json"), `${JSON.stringify({ question_id: 1, image: "link.jpg", text: "Is there a dog?", label: "no" })}\n`);
    const file = join(dir, "experiment.yaml");
    await writeFile(file, popeExperiment(dataDir));
    const chats = () => [...server.requests.values()].reduce((a, b) => a + b, 0);
    const before = chats();
    const run = await runCli(t, dir, ["eval", file, "--out", join(dir, "out")]);
    assert.equal(run.code, 2);
    assert.match(run.err, /val2014\/link\.jpg: is a symbolic link leading out of .*\/pope \(to .*private\.jpg\)/);
    assert.equal(chats(), before, "no question was sent (only the endpoint check)");
  });
});

describe("hostile images in tis export", () => {
  test("a 30000×30000 grayscale image is a named error, not IndexSizeError; --skip-missing leaves its record out", async (t) => {
    const { dir, file } = await sampleRelease(t);
    await writeFile(join(dir, SAMPLE_IMAGES[0]!), hugeGrayPng(30000, 30000));
    const failed = await runCli(t, dir, ["tis", "export", file, "--format", "openai", "--out", join(dir, "openai")]);
    assert.equal(failed.code, 2);
    assert.match(failed.err, /row 1, column "images\[0\]": record tis\/1: image is too large: 30000×30000 pixels \(900 MP\) is over the 50 MP limit; it was not decoded/);
    const skipped = await runCli(t, dir, ["tis", "export", file, "--format", "openai", "--out", join(dir, "openai"), "--skip-missing"]);
    assert.equal(skipped.code, 0, skipped.err);
    assert.match(skipped.out, /exported 7 of 8 records .*\nskipped 1 record with a missing or unusable image:\n {2}row 1 \(tis\/1\): .*: is too large: 30000×30000/);
  });

  test("a symbolic link out of the images folder is refused: the OpenAI export never embeds its target", async (t) => {
    const { dir, file } = await sampleRelease(t);
    const outside = await tempDir(t, "thinksafe-outside-");
    const secretImage = jpeg();
    await writeFile(join(outside, "private.jpg"), secretImage);
    const linked = join(dir, SAMPLE_IMAGES[1]!);
    await (await import("node:fs/promises")).rm(linked);
    await symlink(join(outside, "private.jpg"), linked);
    const failed = await runCli(t, dir, ["tis", "export", file, "--format", "openai", "--out", join(dir, "openai")]);
    assert.equal(failed.code, 2);
    assert.match(failed.err, /record tis\/2: image is a symbolic link leading out of the images folder \(to .*private\.jpg\)/);
    const skipped = await runCli(t, dir, ["tis", "export", file, "--format", "openai", "--out", join(dir, "openai"), "--skip-missing"]);
    assert.equal(skipped.code, 0, skipped.err);
    assert.ok(!(await readFile(join(dir, "openai", "tis.jsonl"), "utf8")).includes(secretImage.toString("base64")), "the link's target is not embedded");
  });

  test("a text file named .png is no image for the LLaMA-Factory and Hugging Face exports either", async (t) => {
    const { dir, file } = await sampleRelease(t);
    await writeFile(join(dir, SAMPLE_IMAGES[2]!), "not an image at all\n");
    for (const format of ["llamafactory", "hf"]) {
      const run = await runCli(t, dir, ["tis", "export", file, "--format", format, "--out", join(dir, format)]);
      assert.equal(run.code, 2, run.err);
      assert.match(run.err, /record tis\/3: image is unusable: not a PNG, JPEG, WebP or GIF image \(its first bytes match none of them\)/);
    }
  });
});

describe("hostile spec files", () => {
  test("a YAML alias bomb is a named error, with no stack trace and little memory", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    const bomb = [`a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`, ...levels.slice(1).map((name, i) => `${name}: &${name} [${Array(9).fill(`*${levels[i]}`).join(", ")}]`)];
    const file = join(dir, "bomb.yaml");
    await writeFile(file, `id: bomb\n${bomb.join("\n")}\n`);
    const run = await runCli(t, dir, ["eval", file, "--out", join(dir, "out")]);
    assert.equal(run.code, 2);
    assert.match(run.err, /bomb\.yaml: its aliases \(\*name\) expand to more than 100 copies: an alias bomb \("billion laughs"\), refused/);
    assert.doesNotMatch(run.err, /at .*\.js:\d+/);
  });
});

describe("run folders hold one experiment's run", () => {
  const spec = (id: string, { judges = true, repeats = 1 } = {}) => `id: ${id}
models:
  - {id: good, model: good, base_url: "${server.url}", api_key_env: ${KEY_VARIABLE}}
benchmarks: [{id: figstep, subset: tiny, limit: 2}]
repeats: ${repeats}
${judges ? "judges: [{id: refusal-keywords}]\n" : ""}`;

  async function specs(dir: string) {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    await writeFile(a, spec("run-a"));
    await writeFile(b, spec("run-b", { judges: false }));
    return { a, b };
  }

  test("--out naming a file is refused before any request", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const { a } = await specs(dir);
    await writeFile(join(dir, "results"), "my notes\n");
    const before = server.total();
    const run = await runCli(t, dir, ["eval", a, "--out", join(dir, "results"), "--no-calibrate"]);
    assert.equal(run.code, 2);
    assert.match(run.err, /--out .*results is a file, not a folder/);
    assert.equal(server.total(), before, "nothing was sent");
    assert.equal(await readFile(join(dir, "results"), "utf8"), "my notes\n");
  });

  test("--out holding another experiment's run is refused before any request; --force replaces it and removes its leftovers", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const { a, b } = await specs(dir);
    const out = join(dir, "out");
    assert.equal((await runCli(t, dir, ["eval", a, "--out", out, "--no-calibrate"])).code, 0);
    const kept = sha256(await readFile(join(out, "responses.parquet")));
    const before = server.total();
    const refused = await runCli(t, dir, ["eval", b, "--out", out, "--no-calibrate"]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /--out .*out holds another run, not one of "run-b" \(hash [0-9a-f]{12}\): judgments\.parquet, manifest\.json and responses\.parquet are from experiment "run-a" \(hash [0-9a-f]{12}\)\. Give another --out, or pass --force/);
    assert.equal(server.total(), before, "nothing was sent");
    assert.equal(sha256(await readFile(join(out, "responses.parquet"))), kept, "the other run is untouched");
    const forced = await runCli(t, dir, ["eval", b, "--out", out, "--no-calibrate", "--force"]);
    assert.equal(forced.code, 0, forced.err);
    assert.match(forced.err, /removed the replaced run's judgments\.parquet/);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as { experiment: { id: string } };
    assert.equal(manifest.experiment.id, "run-b");
  });

  test("judge refuses responses of another experiment, or of an earlier version of its own, naming them", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const { a, b } = await specs(dir);
    const out = join(dir, "out");
    assert.equal((await runCli(t, dir, ["eval", a, "--out", out, "--no-calibrate"])).code, 0);
    const other = await runCli(t, dir, ["judge", out, "--experiment", b, "--no-calibrate"]);
    assert.equal(other.code, 2);
    assert.match(other.err, /manifest\.json and responses\.parquet are from experiment "run-a" \(hash [0-9a-f]{12}\), not from "run-b" \(hash [0-9a-f]{12}\) \(.*b\.yaml\)/);
    await writeFile(a, spec("run-a", { repeats: 2 }));
    const edited = await runCli(t, dir, ["judge", out, "--no-calibrate"]);
    assert.equal(edited.code, 2);
    assert.match(edited.err, /are from an earlier version of .*a\.yaml \(hash [0-9a-f]{12}; the file now has hash [0-9a-f]{12}\) \(rerun thinksafe eval .*a\.yaml --out .*out first/);
  });

  test("stats refuses a folder whose judgments come from another run, naming each file's experiment", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const { a, b } = await specs(dir);
    assert.equal((await runCli(t, dir, ["eval", a, "--out", join(dir, "a"), "--no-calibrate"])).code, 0);
    assert.equal((await runCli(t, dir, ["eval", b, "--out", join(dir, "b"), "--no-calibrate"])).code, 0);
    await copyFile(join(dir, "a", "judgments.parquet"), join(dir, "b", "judgments.parquet"));
    const run = await runCli(t, dir, ["stats", join(dir, "b")]);
    assert.equal(run.code, 2);
    assert.match(run.err, /its files come from different runs: judgments\.parquet is from experiment "run-a" \(hash [0-9a-f]{12}\); manifest\.json and responses\.parquet are from experiment "run-b"/);
    assert.equal((await runCli(t, dir, ["stats", join(dir, "a")])).code, 0, "a folder whose files belong together is fine");
  });

  test("stats refuses another run's judge calibration, which it would correct the rates with", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const { a } = await specs(dir);
    const c = join(dir, "c.yaml");
    await writeFile(c, spec("run-c"));
    assert.equal((await runCli(t, dir, ["eval", a, "--out", join(dir, "a")])).code, 0);
    assert.equal((await runCli(t, dir, ["eval", c, "--out", join(dir, "c"), "--no-calibrate"])).code, 0);
    assert.equal((await runCli(t, dir, ["stats", join(dir, "c")])).code, 0, "a folder without a calibration is fine");
    await copyFile(join(dir, "a", "judge_calibration.parquet"), join(dir, "c", "judge_calibration.parquet"));
    const run = await runCli(t, dir, ["stats", join(dir, "c")]);
    assert.equal(run.code, 2);
    assert.match(run.err, /its files come from different runs: judge_calibration\.parquet is from experiment "run-a" \(hash [0-9a-f]{12}\)/);
  });

  test("merge refuses a shard of another experiment, naming the file", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const { a, b } = await specs(dir);
    assert.equal((await runCli(t, dir, ["eval", a, "--out", join(dir, "s"), "--shard", "1/2"])).code, 0);
    assert.equal((await runCli(t, dir, ["eval", b, "--out", join(dir, "t"), "--shard", "2/2"])).code, 0);
    const run = await runCli(t, dir, ["merge", a, "--out", join(dir, "s"), "--from", join(dir, "t"), "--no-calibrate"]);
    assert.equal(run.code, 2);
    assert.match(run.err, /t: .*manifest\.shard-2-of-2\.json and responses\.shard-2-of-2\.parquet are from experiment "run-b" \(hash [0-9a-f]{12}\), not from "run-a"/);
  });
});
