// Every file a command leaves behind is written to a temporary name in the same folder and renamed
// into place: a reader (or a rerun after a crash) sees the old file or the new one, never half of one.
import { rename, writeFile } from "node:fs/promises";

/** Has `write` fill a temporary file beside `file`, then renames it to `file`. */
export async function atomically(file: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await write(temporary);
  await rename(temporary, file);
}

/** Writes `data` to `file` atomically. */
export async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  await atomically(file, (temporary) => writeFile(temporary, data));
}
