// The TiS data the site publishes, computed once per set of inputs: the transcribed 8-record sample
// of the real release (datasets/think-in-safety/tis_sample.json), and the offline demo build
// (experiments/tis-demo.yaml) run through the construction pipeline, whose captions, teacher answers
// and verdicts are all SIMULATED. Requests go through the project's response cache
// (.thinksafe/cache), so a rebuild asks nothing again. The result is kept in
// .thinksafe/site-tis/<inputs hash>/, written under a temporary name and renamed into place:
//   tis_records.parquet   every record of both data sets, normalised by src/tis (SITE_TIS_RECORDS_SCHEMA)
//   tis_filtered.parquet  the demo build's filtered.parquet: every input item, kept or dropped with why
//   images.json           the demo build's kept images, downscaled: sha256 → data URI
//   build/                the build's own output folder
//   datasets.json         what each data set is (written last)
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { encodeImage } from "../models/images.ts";
import { sha256 } from "../provenance.ts";
import { Database, sqlString, type Cell, type Schema } from "../duckdb/database.ts";
import { buildTis, loadTisBuild, type TisBuild } from "../tis/pipeline/index.ts";
import { harmCategoryOf, type SafetySpec } from "../tis/pipeline/safety-spec.ts";
import { RECORDS_SCHEMA, recordRow } from "../tis/parquet.ts";
import { imageOrigin, type TisRecord } from "../tis/record.ts";
import { readTisRelease } from "../tis/release.ts";
import { PROJECT_DIR } from "./paths.ts";
import { readSiteTisInfo, SITE_TIS_ROOT, siteTisLocation, type SiteTisDataset, type SiteTisInfo } from "./tis-folder.ts";

export const SITE_TIS_SAMPLE = "datasets/think-in-safety/tis_sample.json";
export const SITE_TIS_BUILD = "experiments/tis-demo.yaml";

/** Longest side of the example images: enough to see what the question is about. */
const THUMBNAIL_SIDE = 384;

// src/tis's `dataset` (tis, vlguard-train, …) gives way to the site's.
const { dataset: _releaseDataset, ...RECORD_COLUMNS } = RECORDS_SCHEMA;

/** src/tis's record columns (RECORDS_SCHEMA), led by the site's data set and whether it is simulated. */
export const SITE_TIS_RECORDS_SCHEMA = {
  /** tis-sample (the real release's transcribed records) or tis-demo-build (SIMULATED). */
  dataset: "VARCHAR",
  is_simulated: "BOOLEAN",
  ...RECORD_COLUMNS,
  /** The safety specification's category of `category` (experiments/tis/safety-spec.yaml), else null. */
  harm_category: "VARCHAR",
  /** The images' sha256 (a list), where the site has them (the build's; the sample ships none). */
  image_sha256: "VARCHAR[]",
  /** The build's item id (its filtered table's item_id); null for the sample. */
  build_item_id: "VARCHAR",
  /** The model that wrote the thinking and answer (the build's teacher); null for the release, which does not name it. */
  teacher: "VARCHAR",
  /** Whether that teacher was thinksafe's simulator; null for the release. */
  teacher_simulated: "BOOLEAN",
  /** Who wrote the record's thinking and answer, in words: the label the page's reader shows (recordOrigin). */
  written_by: "VARCHAR",
} as const satisfies Schema;

/** What the site adds to a normalised record. */
export interface SiteRecordFields {
  dataset: SiteTisDataset;
  isSimulated: boolean;
  recordId: string;
  source: string;
  category: string | null;
  harmCategory: string | null;
  isHarmfulRequest: boolean | null;
  imageSha256: string[] | null;
  buildItemId: string | null;
  teacher: string | null;
  teacherSimulated: boolean | null;
}

/** One row of tis_records: the record as src/tis writes it, with the site's fields in place. */
export function siteRecordRow(record: TisRecord, fields: SiteRecordFields): Cell[] {
  const columns = Object.keys(RECORDS_SCHEMA);
  const values = Object.fromEntries(recordRow(record).map((value, i) => [columns[i]!, value]));
  const row: Record<keyof typeof SITE_TIS_RECORDS_SCHEMA, Cell> = {
    ...(values as Record<keyof typeof RECORDS_SCHEMA, Cell>),
    dataset: fields.dataset,
    is_simulated: fields.isSimulated,
    record_id: fields.recordId,
    source: fields.source,
    category: fields.category,
    is_harmful_request: fields.isHarmfulRequest,
    harm_category: fields.harmCategory,
    image_sha256: fields.imageSha256,
    build_item_id: fields.buildItemId,
    teacher: fields.teacher,
    teacher_simulated: fields.teacherSimulated,
    written_by: recordOrigin(fields),
  };
  return Object.keys(SITE_TIS_RECORDS_SCHEMA).map((column) => row[column as keyof typeof row]);
}

/**
 * Where a record's thinking and answer come from, as the page labels it: the real release, the
 * simulator, or a real teacher model (whose build may still have simulated the captions).
 */
export function recordOrigin(fields: Pick<SiteRecordFields, "dataset" | "isSimulated" | "teacher" | "teacherSimulated">): string {
  if (fields.dataset === "tis-sample") return "Real data: a record of the Think-in-Safety release, as transcribed.";
  const teacher = fields.teacher ? `the teacher model ${fields.teacher}` : "the build's teacher";
  if (fields.teacherSimulated !== false) return `Simulated: this thinking and answer were written by thinksafe's simulator (${teacher}), not by a model.`;
  const caption = fields.isSimulated ? " Its image caption came from thinksafe's simulator." : "";
  return `Written by ${teacher} at a real endpoint, in thinksafe's construction pipeline (${SITE_TIS_BUILD}): model output, not a record of the TiS release.${caption}`;
}

/** The release sample's fields: real data; source and category from the image path, as src/tis reads them. */
export function sampleFields(record: TisRecord, spec: SafetySpec): SiteRecordFields {
  return {
    dataset: "tis-sample",
    isSimulated: false,
    recordId: `tis-sample/${record.index}`,
    source: record.source,
    category: record.category,
    harmCategory: harmCategoryOf(spec, record.category),
    isHarmfulRequest: record.isHarmfulRequest,
    imageSha256: null,
    buildItemId: null,
    teacher: null,
    teacherSimulated: null,
  };
}

/** The columns of a build's filtered.parquet that the records take. */
export interface KeptItem {
  item_id: string;
  source: string;
  question: string;
  label: string | null;
  source_category: string | null;
  harm_category: string | null;
  image_sha256: string[];
  is_simulated: boolean | null;
  /** The teacher's model and whether its answer came from the simulator (the build's answers.parquet). */
  teacher_model: string | null;
  teacher_simulated: boolean | null;
}

/**
 * The build's records (its tis.json, read by src/tis) beside the items they came from: tis.json
 * holds the kept items in input order, so they pair one to one, which is checked. The source is the
 * image's (vlguard, spa-vl, mis) when its release path tells, else the build input's (`file`).
 */
export function buildFields(records: readonly TisRecord[], kept: readonly KeptItem[], buildSimulated: boolean): SiteRecordFields[] {
  if (records.length !== kept.length) throw new Error(`the TiS build's tis.json holds ${records.length} records for ${kept.length} kept items`);
  return records.map((record, i) => {
    const item = kept[i]!;
    if (record.question !== item.question) throw new Error(`tis.json record ${i + 1} asks "${record.question}", but kept item ${item.item_id} asks "${item.question}"`);
    const origin = record.images.length ? imageOrigin(record.images[0]!).source : "unknown";
    return {
      dataset: "tis-demo-build",
      isSimulated: item.is_simulated ?? buildSimulated,
      recordId: `tis-demo-build/${item.item_id}`,
      source: origin === "unknown" ? item.source : origin,
      category: item.source_category,
      harmCategory: item.harm_category,
      isHarmfulRequest: item.label === null ? null : item.label === "harmful",
      imageSha256: item.image_sha256,
      buildItemId: item.item_id,
      teacher: item.teacher_model,
      teacherSimulated: item.teacher_simulated,
    };
  });
}

/** Every endpoint of the build is thinksafe's simulator. */
function isSimulated(build: TisBuild): boolean {
  return [build.captioner, build.teacher, build.judge.endpoint].every((endpoint) => endpoint === null || endpoint.simulated);
}

/** The folder holding the site's TiS tables for the current inputs, computing it if needed. */
export async function siteTis(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<string> {
  const { key, dir, complete } = await siteTisLocation();
  if (complete) return dir;
  await mkdir(SITE_TIS_ROOT, { recursive: true });
  const temporary = join(SITE_TIS_ROOT, `.tmp-${process.pid}-${Date.now()}`);
  try {
    await computeSiteTis(temporary, { cacheDir: join(PROJECT_DIR, ".thinksafe", "cache"), log });
    // Another loader may have finished the same folder first; its content is the same.
    await rename(temporary, dir).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(dir, "datasets.json"))) throw error;
    });
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  // Folders of earlier inputs are never read again.
  for (const entry of await readdir(SITE_TIS_ROOT)) {
    if (entry !== key && !entry.startsWith(".tmp-")) await rm(join(SITE_TIS_ROOT, entry), { recursive: true, force: true });
  }
  return dir;
}

export interface SiteTisOptions {
  cacheDir: string;
  log?: (line: string) => void;
  /** Default: the shipped sample and the demo build spec. */
  sampleFile?: string;
  buildSpec?: string;
}

/** Runs the demo build and imports both data sets into `outDir`; returns what datasets.json says. */
export async function computeSiteTis(outDir: string, options: SiteTisOptions): Promise<SiteTisInfo[]> {
  const log = options.log ?? (() => {});
  const sampleFile = options.sampleFile ?? join(PROJECT_DIR, SITE_TIS_SAMPLE);
  const specFile = options.buildSpec ?? join(PROJECT_DIR, SITE_TIS_BUILD);
  const buildDir = join(outDir, "build");
  await mkdir(outDir, { recursive: true });

  const build = await loadTisBuild(specFile);
  log(`[site] tis: building ${relative(PROJECT_DIR, specFile)} (simulated: ${isSimulated(build)})`);
  const summary = await buildTis(build, { outDir: buildDir, cacheDir: options.cacheDir, log: (line) => log(`[site] ${line}`) });
  // A failed request would be kept as a dropped row; the site must not publish a half-asked build.
  if (summary.errors > 0) throw new Error(`the TiS demo build had ${summary.errors} failed request(s); rebuild to ask them again`);
  const buildSimulated = isSimulated(build);

  const db = await Database.open();
  try {
    const filteredFile = sqlString(join(buildDir, "filtered.parquet"));
    // Each kept item's teacher answer says who wrote it: a model at an endpoint, or the simulator.
    const kept = (await db.rows(
      `SELECT f.item_id, f.source, f.question, f.label, f.source_category, f.harm_category, f.image_sha256, f.is_simulated,
         a.model AS teacher_model, a.is_simulated AS teacher_simulated
       FROM read_parquet($1) AS f LEFT JOIN read_parquet($2) AS a USING (item_id) WHERE f.kept ORDER BY f.position`,
      [join(buildDir, "filtered.parquet"), join(buildDir, "answers.parquet")],
    )) as unknown as KeptItem[];
    const buildRecords = kept.length ? await readTisRelease(summary.files.tis) : [];
    const sample = await readTisRelease(sampleFile);
    const rows = [
      ...sample.map((record) => siteRecordRow(record, sampleFields(record, build.safetySpec))),
      ...buildFields(buildRecords, kept, buildSimulated).map((fields, i) => siteRecordRow(buildRecords[i]!, fields)),
    ];
    await db.createTable("tis_records", SITE_TIS_RECORDS_SCHEMA, rows);
    await db.writeParquet("SELECT * FROM tis_records", join(outDir, "tis_records.parquet"));
    // The build's table as it wrote it, led by the data set; items never sent (duplicates) take the build's flag.
    await db.writeParquet(
      `SELECT 'tis-demo-build' AS dataset, coalesce(is_simulated, ${buildSimulated}) AS is_simulated, * EXCLUDE (is_simulated) FROM read_parquet(${filteredFile}) ORDER BY position`,
      join(outDir, "tis_filtered.parquet"),
    );
    await writeFile(join(outDir, "images.json"), JSON.stringify(await thumbnails(buildDir, buildRecords, kept)));
    const info: SiteTisInfo[] = [
      { dataset: "tis-sample", is_simulated: false, from: relative(PROJECT_DIR, sampleFile), hash: sha256(await readFile(sampleFile)), records: sample.length },
      { dataset: "tis-demo-build", is_simulated: buildSimulated, from: relative(PROJECT_DIR, specFile), hash: build.hash, records: buildRecords.length },
    ];
    await writeFile(join(outDir, "datasets.json"), `${JSON.stringify(info, null, 2)}\n`);
    log(`[site] tis: ${sample.length} sample records, ${buildRecords.length} of ${summary.items} demo items kept`);
    return readSiteTisInfo(outDir);
  } finally {
    db.close();
  }
}

/** The kept records' images from the build's folder, downscaled, keyed by sha256 in sorted order. */
async function thumbnails(buildDir: string, records: readonly TisRecord[], kept: readonly KeptItem[]): Promise<Record<string, string>> {
  const images = new Map<string, string>();
  for (const [i, record] of records.entries()) {
    const hashes = kept[i]!.image_sha256;
    for (const [j, path] of record.images.entries()) {
      const hash = hashes[j]!;
      if (images.has(hash)) continue;
      const file = join(buildDir, path);
      images.set(hash, (await encodeImage({ bytes: await readFile(file), name: file }, { maxSide: THUMBNAIL_SIDE })).dataUri);
    }
  }
  return Object.fromEntries([...images].sort(([a], [b]) => (a < b ? -1 : 1)));
}
