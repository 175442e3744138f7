// The data files thinksafe ships, checked against datasets/SHA256SUMS (sha256sum's format), so an
// edited or truncated copy is caught before it produces results.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { sha256File } from "../provenance.ts";

const DATASETS = new URL("../../datasets/", import.meta.url);

/** Lines of `sha256  path` (paths relative to datasets/). */
export async function readChecksums(): Promise<Array<{ sha256: string; path: string }>> {
  const text = await readFile(new URL("SHA256SUMS", DATASETS), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [sha256, path] = line.split(/\s+\*?/, 2) as [string, string];
      return { sha256, path };
    });
}

/** Shipped files whose content no longer matches the list (missing files count as changed). */
export async function verifyShippedData(): Promise<string[]> {
  const changed: string[] = [];
  for (const { sha256, path } of await readChecksums()) {
    let actual: string | undefined;
    try {
      actual = sha256File(fileURLToPath(new URL(path, DATASETS)));
    } catch {
      actual = undefined;
    }
    if (actual !== sha256) changed.push(path);
  }
  return changed;
}
