// The site's TiS step: the demo build run through the pipeline (offline, simulated) and the shipped
// release sample imported, into the tables the TiS page reads; a second run asks nothing again.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { sha256 } from "../provenance.ts";
import { openStatisticsDatabase } from "../stats/sql-files.ts";
import { computeTis } from "../stats/tis.ts";
import { tempDir } from "../test-support.ts";
import { parseSafetySpec } from "../tis/pipeline/safety-spec.ts";
import type { TisRecord } from "../tis/record.ts";
import { buildFields, computeSiteTis, recordOrigin, sampleFields } from "./tis.ts";
import { openSiteTis } from "./tis-files.ts";

test("the site's TiS folder: the real sample and the simulated demo build as records, the build's items with why they were dropped, and its images", async (t) => {
  const dir = await tempDir(t);
  const cacheDir = join(dir, "cache");
  const lines: string[] = [];
  const info = await computeSiteTis(join(dir, "first"), { cacheDir, log: (line) => lines.push(line) });
  assert.deepEqual(info.map((d) => [d.dataset, d.is_simulated, d.from, d.records > 0]), [
    ["tis-sample", false, "datasets/think-in-safety/tis_sample.json", true],
    ["tis-demo-build", true, "experiments/tis-demo.yaml", true],
  ]);
  assert.equal(info[0]!.records, 8);
  assert.equal(info[0]!.hash, sha256(await readFile(new URL("../../datasets/think-in-safety/tis_sample.json", import.meta.url))));
  assert.ok(lines.some((line) => /\[tis teacher\] \d+ requests .*: [1-9]\d* answered, 0 from cache/.test(line)), "the first run asks the teacher");

  const db = await openStatisticsDatabase();
  t.after(() => db.close());
  await openSiteTis(db, join(dir, "first"));

  // The sample: 8 real records, sources and categories from the release's image paths.
  const sample = await db.rows("SELECT record_id, is_simulated, source, category, harm_category, thinking_format, thinking_words > 0 AS has_thinking, image_sha256 FROM tis_records WHERE dataset = 'tis-sample'");
  assert.deepEqual(sample.map((r) => r.record_id), [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `tis-sample/${i}`));
  assert.ok(sample.every((r) => r.is_simulated === false && r.thinking_format === "think_tags" && r.has_thinking === true && r.image_sha256 === null));
  assert.deepEqual(sample.map((r) => r.source), ["vlguard", "vlguard", "vlguard", "vlguard", "vlguard", "vlguard", "spa-vl", "spa-vl"]);
  // SPA-VL's path "Malicious Use/Fraud or deceptive action/financial fraud": the safety specification lists "financial fraud" under illegal_activity.
  assert.deepEqual(sample.slice(6).map((r) => [r.category, r.harm_category]), Array(2).fill(["Malicious Use/Fraud or deceptive action/financial fraud", "illegal_activity"]));

  // Each record says who wrote it: the release, or (the demo build) the simulator as its teacher.
  assert.deepEqual(await db.rows("SELECT dataset, teacher, teacher_simulated, written_by, count(*)::INTEGER AS n FROM tis_records GROUP BY ALL ORDER BY dataset DESC"), [
    { dataset: "tis-sample", teacher: null, teacher_simulated: null, written_by: "Real data: a record of the Think-in-Safety release, as transcribed.", n: 8 },
    { dataset: "tis-demo-build", teacher: "sim/teacher", teacher_simulated: true, written_by: "Simulated: this thinking and answer were written by thinksafe's simulator (the teacher model sim/teacher), not by a model.", n: info[1]!.records },
  ]);

  // The build: its records are exactly its kept items, in order, simulated, with the items' categories and labels.
  const joined = await db.rows(`
    SELECT r.build_item_id, f.item_id, r.question = f.question AS same_question, r.harm_category IS NOT DISTINCT FROM f.harm_category AS same_category,
      r.is_harmful_request IS NOT DISTINCT FROM (CASE f.label WHEN 'harmful' THEN true WHEN 'benign' THEN false END) AS same_label,
      r.thinking = f.thinking AS same_thinking, r.answer = f.answer AS same_answer, r.image_sha256 = f.image_sha256 AS same_images, r.is_simulated, r.source
    FROM (SELECT *, row_number() OVER () AS i FROM tis_records WHERE dataset = 'tis-demo-build') AS r
    FULL JOIN (SELECT *, row_number() OVER (ORDER BY position) AS i FROM tis_filtered WHERE kept) AS f USING (i)`);
  assert.equal(joined.length, info[1]!.records);
  for (const row of joined) {
    assert.equal(row.build_item_id, row.item_id);
    assert.deepEqual([row.same_question, row.same_category, row.same_label, row.same_thinking, row.same_answer, row.same_images, row.is_simulated, row.source], [true, true, true, true, true, true, true, "file"], String(row.item_id));
  }
  // Every input item is in tis_filtered, simulated (duplicates too: they are never sent, but belong to the demo).
  const items = (await readFile(new URL("../../experiments/tis/demo-items.jsonl", import.meta.url), "utf8")).trim().split("\n").length;
  assert.deepEqual(await db.rows("SELECT count(*)::INTEGER AS n, bool_and(is_simulated) AS simulated, count(*) FILTER (WHERE kept)::INTEGER AS kept, min(dataset) AS dataset FROM tis_filtered"), [
    { n: items, simulated: true, kept: info[1]!.records, dataset: "tis-demo-build" },
  ]);
  // The statistics run over the folder, and the funnel ends with the records kept.
  await computeTis(db);
  assert.deepEqual(await db.rows("SELECT rows_out FROM tis_funnel WHERE step = 10"), [{ rows_out: info[1]!.records }]);
  assert.deepEqual(await db.rows("SELECT dataset, sum(n)::INTEGER AS n FROM tis_composition GROUP BY dataset ORDER BY dataset"), [
    { dataset: "tis-demo-build", n: info[1]!.records },
    { dataset: "tis-sample", n: 8 },
  ]);

  // Images: one per distinct image of the kept records, keyed by its sha256 (the demo's are small enough to ship unchanged).
  const images = JSON.parse(await readFile(join(dir, "first", "images.json"), "utf8")) as Record<string, string>;
  const wanted = [...new Set((await db.rows("SELECT image_sha256 FROM tis_records WHERE dataset = 'tis-demo-build'")).flatMap((r) => String(r.image_sha256).split(" ")))].sort();
  assert.deepEqual(Object.keys(images), wanted);
  for (const [hash, uri] of Object.entries(images)) {
    assert.match(uri, /^data:image\/png;base64,/);
    assert.equal(sha256(Buffer.from(uri.slice(uri.indexOf(",") + 1), "base64")), hash);
  }

  // Again from the same cache: nothing is asked, and the tables come out byte for byte the same.
  lines.length = 0;
  await computeSiteTis(join(dir, "second"), { cacheDir, log: (line) => lines.push(line) });
  const stages = lines.filter((line) => /\[tis (caption|teacher|judge)\]/.test(line));
  assert.equal(stages.length, 3, lines.join("\n"));
  assert.ok(stages.every((line) => / 0 answered, \d+ from cache, 0 failed/.test(line)), stages.join("\n"));
  for (const file of ["tis_records.parquet", "tis_filtered.parquet", "images.json"]) {
    assert.equal(sha256(await readFile(join(dir, "second", file))), sha256(await readFile(join(dir, "first", file))), file);
  }
});

const record = (question: string, images: string[]): TisRecord => ({
  id: "tis/1", dataset: "tis", index: 1, source: "unknown", category: null, question, images, thinking: "t", answer: "a", thinkingFormat: "think_tags", isRefusal: false, isHarmfulRequest: null,
});
const kept = (itemId: string, question: string, label: string | null) => ({
  item_id: itemId, source: "vlguard-train", question, label, source_category: "privacy", harm_category: "privacy", image_sha256: ["ab"], is_simulated: null, teacher_model: "t", teacher_simulated: false,
});

test("a build's records pair with its kept items one to one, or the step stops naming the mismatch", () => {
  const fields = buildFields([record("q1", ["images/privacyAlert/1.jpg"]), record("q2", ["images/demo/x.png"])], [kept("v/1", "q1", "harmful"), kept("v/2", "q2", null)], true);
  // The image's source when its release path tells (VLGuard's folders), else the build input's; an item's missing flag takes the build's.
  assert.deepEqual(fields.map((f) => [f.recordId, f.source, f.isHarmfulRequest, f.isSimulated, f.imageSha256]), [
    ["tis-demo-build/v/1", "vlguard", true, true, ["ab"]],
    ["tis-demo-build/v/2", "vlguard-train", null, true, ["ab"]],
  ]);
  assert.throws(() => buildFields([record("q1", [])], [], true), /holds 1 records for 0 kept items/);
  assert.throws(() => buildFields([record("q1", [])], [kept("v/1", "other", null)], true), /record 1 asks "q1", but kept item v\/1 asks "other"/);
});

test("a record is labelled by who wrote it: a real teacher's record is neither the release nor the simulator", () => {
  const build = { dataset: "tis-demo-build" as const, teacher: "org/teacher-70b" };
  assert.match(recordOrigin({ ...build, isSimulated: true, teacherSimulated: false }), /^Written by the teacher model org\/teacher-70b at a real endpoint.*not a record of the TiS release\. Its image caption came from thinksafe's simulator\.$/);
  assert.doesNotMatch(recordOrigin({ ...build, isSimulated: false, teacherSimulated: false }), /simulator|Real data/);
  assert.match(recordOrigin({ ...build, isSimulated: true, teacherSimulated: true }), /^Simulated: /);
  assert.match(recordOrigin({ ...build, isSimulated: true, teacherSimulated: null }), /^Simulated: /, "unknown is never shown as a model's output");
  assert.match(recordOrigin({ dataset: "tis-sample", isSimulated: false, teacher: null, teacherSimulated: null }), /^Real data: /);
});

test("the sample's harm category is the safety specification's category of its image path", () => {
  const spec = parseSafetySpec(
    `id: s\nversion: 1\nharm_categories:\n  - {id: fraud, name: Fraud, definition: d, aliases: [financial fraud]}\nrequests:\n  allowed: {name: a, definition: d}\n  disallowed: {name: b, definition: d}\n  safe_completion: {name: c, definition: d}\n`,
    "spec.yaml",
  );
  const spaVl = { ...record("q", []), index: 7, source: "spa-vl" as const, category: "Malicious Use/Fraud or deceptive action/financial fraud" };
  assert.deepEqual(sampleFields(spaVl, spec), {
    dataset: "tis-sample", isSimulated: false, recordId: "tis-sample/7", source: "spa-vl", category: spaVl.category, harmCategory: "fraud", isHarmfulRequest: null, imageSha256: null, buildItemId: null,
    teacher: null, teacherSimulated: null,
  });
  assert.equal(sampleFields({ ...record("q", []), source: "vlguard" }, spec).harmCategory, null, "VLGuard's paths carry no category");
});
