// Where the site's TiS folder is and what it holds: shared by tis.ts, which writes it, and
// tis-files.ts, which reads it for the loader (and runs tis.ts only when the folder is missing).
// The folder is keyed by the run inputs' hash (run-inputs.ts), so a rebuild reuses it unless the
// TiS build's inputs changed.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256 } from "../provenance.ts";
import { runInputsHash } from "./run-inputs.ts";
import { PROJECT_DIR } from "./paths.ts";

/** The data sets the TiS page shows, in order. */
export type SiteTisDataset = "tis-sample" | "tis-demo-build";

/** What datasets.json (written last, so its presence means the folder is complete) says of each. */
export interface SiteTisInfo {
  dataset: SiteTisDataset;
  is_simulated: boolean;
  /** The file or build spec it comes from, relative to the project. */
  from: string;
  /** sha256 of the input file, or the build's hash. */
  hash: string;
  records: number;
}

export const SITE_TIS_ROOT = join(PROJECT_DIR, ".thinksafe", "site-tis");

/** The folder for the current inputs and whether it is complete. */
export async function siteTisLocation(): Promise<{ key: string; dir: string; complete: boolean }> {
  const key = sha256(await runInputsHash(PROJECT_DIR)).slice(0, 16);
  const dir = join(SITE_TIS_ROOT, key);
  return { key, dir, complete: existsSync(join(dir, "datasets.json")) };
}

export async function readSiteTisInfo(dir: string): Promise<SiteTisInfo[]> {
  return JSON.parse(await readFile(join(dir, "datasets.json"), "utf8")) as SiteTisInfo[];
}
