// What a build writes: stage tables as Parquet with provenance (through a temporary file, so a
// reader never sees half a table), the TiS release records, and the kept items' images.
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { atomically } from "../../atomic-write.ts";
import { DataError } from "../../errors.ts";
import { gitRevision, packageVersion, sha256 } from "../../provenance.ts";
import { Database, type Cell, type Metadata, type MetadataValue, type Schema } from "../../duckdb/database.ts";
import { tisAnswer } from "./filters.ts";
import type { BuildItem } from "./inputs.ts";
import type { StageEndpoint, TisBuild } from "./load.ts";
import type { BuildPrompts } from "./prompts.ts";
import type { TisRecord } from "./tables.ts";

export function tisRecord(item: BuildItem, thinking: string, answer: string): TisRecord {
  return {
    conversations: [
      { from: "human", value: `${"<image>".repeat(item.images.length)}${item.question}` },
      { from: "gpt", value: tisAnswer(thinking, answer) },
    ],
    images: item.images.map((image) => image.path),
  };
}

/** Copies the kept items' images to OUT/<path>, once each; two different files may not claim one path. */
export async function copyImages(out: string, items: readonly BuildItem[]): Promise<void> {
  const byPath = new Map<string, { file: string; sha256: string }>();
  for (const image of items.flatMap((item) => item.images)) {
    const claimed = byPath.get(image.path);
    if (claimed && claimed.sha256 !== image.sha256) {
      throw new DataError({ file: image.file }, `its release path ${image.path} is also the path of a different image, ${claimed.file}`, "rename one of them, or give the inputs distinct folders");
    }
    byPath.set(image.path, image);
  }
  for (const [path, image] of byPath) {
    const target = join(out, path);
    const existing = await readFile(target).catch(() => null);
    if (existing && sha256(existing) === image.sha256) continue;
    await mkdir(dirname(target), { recursive: true });
    await atomically(target, (temporary) => copyFile(image.file, temporary));
  }
}

/** The build's provenance as key-value metadata; a stage served by nobody (given captions) is null. */
export function provenanceOf(build: TisBuild, prompts: BuildPrompts): Record<string, MetadataValue> {
  const at = (e: StageEndpoint | null) => (e ? { model: e.model, endpoint: e.identity } : null);
  return {
    "thinksafe.version": packageVersion(),
    "thinksafe.git_revision": gitRevision(),
    "thinksafe.tis_build_id": build.id,
    "thinksafe.tis_build_hash": build.hash,
    "thinksafe.safety_spec_sha256": build.safetySpec.sha256,
    "thinksafe.captioner": at(build.captioner),
    "thinksafe.teacher": at(build.teacher),
    "thinksafe.judge": { id: build.judge.id, ...at(build.judge.endpoint) },
    "thinksafe.caption_prompt_sha256": prompts.sha256.caption,
    "thinksafe.teacher_prompt_sha256": prompts.sha256.teacher,
  };
}

export function row<S extends Schema>(schema: S, values: Record<keyof S, Cell>): Cell[] {
  return Object.keys(schema).map((column) => values[column as keyof S]);
}

/** Writes a table to Parquet through a temporary file; the same rows and metadata give the same bytes. */
export async function writeTable(file: string, schema: Schema, rows: Cell[][], metadata: Metadata): Promise<void> {
  const db = await Database.open();
  try {
    await db.createTable("stage", schema, rows);
    await atomically(file, (temporary) => db.writeParquet("SELECT * FROM stage", temporary, metadata));
  } finally {
    db.close();
  }
}
