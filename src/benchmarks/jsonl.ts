// JSON Lines metadata files (one JSON object a line: POPE's own question files, and the
// `datasets` library's `to_json` exports that the MMMU and MMStar layouts use), read into the same
// `JsonItem` field readers as JSON arrays, with errors that name the file, line and field.
// Shared by pope.ts, mmmu.ts and mmstar.ts; it belongs beside `readJsonItems` in user-images.ts.
import { readTextFile } from "../datasets/input.ts";
import { DataError } from "../errors.ts";
import type { DataContext, Inventory } from "./sample.ts";
import { DATA_DIR_HINT, isObject, JsonItem } from "./user-images.ts";

/** A JsonItem whose position is a line of the file rather than a row of an array. */
export class JsonLine extends JsonItem {
  override fail(field: string, problem: string, fix?: string): never {
    throw new DataError({ file: this.file, line: this.row, column: field }, problem, fix);
  }
}

/** The objects of a JSON Lines file, blank lines skipped; a DataError at the line of anything else. */
export async function readJsonLines(file: string, fix?: string): Promise<JsonLine[]> {
  const text = await readTextFile(file, fix);
  const items: JsonLine[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DataError({ file, line: i + 1 }, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`, fix);
    }
    if (!isObject(value)) throw new DataError({ file, line: i + 1 }, "expected a JSON object on each line", fix);
    items.push(new JsonLine(file, i + 1, value));
  }
  if (items.length === 0) throw new DataError({ file }, "the file holds no items", fix);
  return items;
}

/**
 * The inventory of a selection whose metadata file is absent (or no data folder is given): no
 * samples known, the metadata file reported missing, and where to get it.
 */
export function metadataMissing(subset: string, file: string, context: DataContext | undefined, howToGet: string): Inventory {
  return {
    subset,
    samples: 0,
    imagesPresent: 0,
    imagesMissing: 0,
    missing: [file],
    howToGet: context?.dataDir ? howToGet : `no data folder given (${DATA_DIR_HINT}); ${howToGet}`,
  };
}
