// Text the site publishes (the status matrix's reasons) names files on the machine that built it:
// the user's data folder, the project, the home folder. Published, they read relative to the data
// folder (`<data-dir>/…`) or the project, so a site reveals no local layout.
import { homedir } from "node:os";
import { resolve, sep } from "node:path";
import { DATA_DIR_PLACEHOLDER } from "../benchmarks/user-images.ts";

export interface PathRoots {
  /** The data folder the build read benchmarks from, if any. */
  dataDir: string | null;
  projectDir: string;
  home?: string;
}

/** `text` with the data folder as `<data-dir>`, the project as relative paths, the home folder as `~`. */
export function publishedPaths(text: string, roots: PathRoots): string {
  const replacements: Array<[string, string]> = [
    ...(roots.dataDir ? ([[withSep(roots.dataDir), `${DATA_DIR_PLACEHOLDER}/`]] as Array<[string, string]>) : []),
    [withSep(roots.projectDir), ""],
    [withSep(roots.home ?? homedir()), "~/"],
  ];
  // Longest first: the data folder may sit inside the project or the home folder.
  replacements.sort((a, b) => b[0].length - a[0].length);
  let out = text;
  for (const [from, to] of replacements) if (from.length > 1) out = out.replaceAll(from, to);
  return out;
}

function withSep(dir: string): string {
  const absolute = resolve(dir);
  return absolute.endsWith(sep) ? absolute : `${absolute}${sep}`;
}
