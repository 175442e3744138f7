// Which cache folder (responses and images) a command over a run folder uses: --cache; else
// $THINKSAFE_CACHE_DIR; else the one an earlier run into the same folder recorded in its manifest,
// so that a rerun, a later judge or a merge finds its answers and images from any directory; else
// the default .thinksafe/cache.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { defaultCacheDir } from "../images/store.ts";

export async function commandCacheDir(option: string | undefined, runDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (option) return resolve(option);
  if (env.THINKSAFE_CACHE_DIR) return resolve(env.THINKSAFE_CACHE_DIR);
  return (await recordedCacheDir(runDir)) ?? defaultCacheDir(env);
}

/** The cache a manifest in `dir` (a run's, a shard's, a TiS build's) names, if that folder still exists. */
async function recordedCacheDir(dir: string): Promise<string | undefined> {
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (!/^manifest(\.shard-\d+-of-\d+)?\.json$/.test(name)) continue;
    let manifest: { cache_dir?: unknown } | null = null;
    try {
      manifest = JSON.parse(await readFile(join(dir, name), "utf8")) as { cache_dir?: unknown } | null;
    } catch {
      continue; // a damaged manifest names no cache; the command writes a new one
    }
    if (typeof manifest?.cache_dir === "string" && existsSync(manifest.cache_dir)) return manifest.cache_dir;
  }
  return undefined;
}
