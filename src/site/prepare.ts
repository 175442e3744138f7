// Before every build and preview: fill the offline npm cache and drop cached loader outputs whose
// inputs changed. Run directly (`tsx src/site/prepare.ts`) before `observable preview`.
import { fileURLToPath } from "node:url";
import { invalidateStaleData } from "./freshness.ts";
import { fillNpmCache } from "./npm-cache.ts";
import { PROJECT_DIR, SITE_ROOT } from "./paths.ts";

export { PROJECT_DIR, SITE_ROOT };

export async function prepareSite(log: (line: string) => void = console.error): Promise<void> {
  const npm = await fillNpmCache(SITE_ROOT, PROJECT_DIR);
  log(`npm cache: ${npm.rebuilt ? "filled from node_modules" : "up to date"}`);
  const stale = await invalidateStaleData(SITE_ROOT, PROJECT_DIR);
  log(`data: ${stale ? "inputs changed, loaders will run" : "inputs unchanged, cached loader outputs reused"}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await prepareSite();
