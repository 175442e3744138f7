// What produced a result: recorded with every published table (Parquet key-value metadata).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

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

/** HEAD's commit, with "-dirty" when tracked files differ from it; "unknown" outside a git checkout. */
export function gitRevision(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const head = git("rev-parse", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") === "" ? head : `${head}-dirty`;
  } catch {
    return "unknown";
  }
}
