// Framework reuses a cached loader output until the loader file itself changes; it does not see
// the engine code, data or experiments a loader reads. So before each build we hash every such
// input and, when the hash moved, drop the cached loader outputs (never the offline npm cache).
// Expensive work (model calls) is cached per request by the engine, so regenerating is cheap.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** What the data loaders read, relative to the project root. */
export const LOADER_INPUTS = ["src", "data-loaders", "datasets", "experiments", "package-lock.json"] as const;

const STAMP = ".thinksafe-inputs";

/** Tests do not change loader output. */
function isLoaderInput(path: string): boolean {
  return !path.endsWith(".test.ts") && !path.includes(".observablehq");
}

/** What the built site depends on besides the loader inputs. */
export const SITE_INPUTS = ["docs", "observablehq.config.ts", "package.json"] as const;

export async function inputsHash(projectDir: string, inputs: readonly string[] = LOADER_INPUTS, include: (path: string) => boolean = () => true): Promise<string> {
  const hash = createHash("sha256");
  // Loaders read the user's benchmark data and endpoints from the environment.
  hash.update(`${environmentFingerprint()}\0`);
  for (const [path, digest] of await inputDigests(projectDir, inputs)) {
    if (include(path)) hash.update(`${path}\0${digest}\0`);
  }
  return hash.digest("hex");
}

/** sha256 of every input file, by path relative to the project, in a stable order. */
export async function inputDigests(projectDir: string, inputs: readonly string[]): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (const input of inputs) {
    for (const file of await listFiles(join(projectDir, input))) {
      const path = relative(projectDir, file);
      if (isLoaderInput(path)) digests.set(path, createHash("sha256").update(await readFile(file)).digest("hex"));
    }
  }
  return digests;
}

/**
 * The statistics computed when the site's files are published (src/stats/<table>.sql of the study,
 * capability, TiS and judge-agreement tables), not while the experiments run: editing one must not
 * rerun the experiments. (macros.sql and judge_calibration.sql are read by the runs.)
 */
export function isPublishTimeSql(path: string, tables: ReadonlySet<string>): boolean {
  const match = /^src\/stats\/(\w+)\.sql$/.exec(path.split(sep).join("/"));
  return match !== null && tables.has(match[1]!);
}

/**
 * The environment the loaders read: every THINKSAFE_* variable (data folder, endpoint URLs,
 * --strict) by value, and by presence only when its name says it is a secret, plus whether the
 * usual API-key variable is set (it decides whether the study's judge can run).
 */
export function environmentFingerprint(env: NodeJS.ProcessEnv = process.env): string {
  const secret = /KEY|TOKEN|SECRET|PASSWORD/;
  return Object.keys(env)
    // THINKSAFE_SITE_STUDY is the build's own hand-off to its loaders (src/site/study.ts), not an input.
    .filter((name) => name.startsWith("THINKSAFE_") && name !== "THINKSAFE_CACHE_DIR" && name !== "THINKSAFE_SITE_STUDY")
    .sort()
    .map((name) => `${name}=${secret.test(name) ? "(set)" : env[name]}`)
    .concat(`OPENAI_API_KEY ${env.OPENAI_API_KEY ? "set" : "unset"}`)
    .join("\n");
}

/** Deletes Framework's cached loader outputs if any loader input changed; returns whether it did. */
export async function invalidateStaleData(root: string, projectDir: string): Promise<boolean> {
  const cacheDir = join(root, ".observablehq", "cache");
  const current = await inputsHash(projectDir);
  const previous = await readFile(join(cacheDir, STAMP), "utf8").catch(() => undefined);
  if (previous === current) return false;
  for (const entry of await readdir(cacheDir).catch(() => [] as string[])) {
    if (entry !== "_npm") await rm(join(cacheDir, entry), { recursive: true, force: true });
  }
  await mkdir(cacheDir, { recursive: true });
  await writeFile(join(cacheDir, STAMP), current);
  return true;
}

async function listFiles(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOTDIR") return null; // a file
    if (error.code === "ENOENT") return [];
    throw error;
  });
  if (entries === null) return [path];
  const files = await Promise.all(
    entries
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((entry) => listFiles(join(path, entry.name))),
  );
  return files.flat();
}
