// What produced a result: recorded with every published table (Parquet key-value metadata).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT_DIR = new URL("../", import.meta.url);

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256File(file: string | URL): string {
  return sha256(readFileSync(file));
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("package.json", PROJECT_DIR), "utf8")) as { version: string }).version;
}

let revision: string | undefined;

/**
 * HEAD's commit, with "-dirty" when tracked files differ from it; "unknown" outside a git checkout.
 * Asked once a process (two git processes, ~30 ms): what a command or build records is the
 * revision it started from, and the site's publishing asks for every table.
 */
export function gitRevision(): string {
  return (revision ??= askGit());
}

function askGit(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const head = git("rev-parse", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") === "" ? head : `${head}-dirty`;
  } catch {
    return "unknown";
  }
}

/** The folder of package `name` as Node resolves it from `fromFile` (exports may hide package.json). */
export function packageDir(fromFile: string, name: string): string {
  for (const base of createRequire(fromFile).resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, "package.json"))) return join(base, name);
  }
  throw new Error(`package ${name} is not installed (run npm ci)`);
}

/** The installed version of a dependency, or "unknown". */
export function installedVersion(name: string): string {
  try {
    const dir = packageDir(fileURLToPath(new URL("package.json", PROJECT_DIR)), name);
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
