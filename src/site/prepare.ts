// Runs before every build and preview (npm's prebuild): fills the offline npm cache and drops
// cached loader outputs whose inputs changed.
import { fileURLToPath } from "node:url";
import { invalidateStaleData } from "./freshness.ts";
import { fillNpmCache } from "./npm-cache.ts";

const projectDir = fileURLToPath(new URL("../..", import.meta.url));
const root = `${projectDir}docs`;
const npm = await fillNpmCache(root, projectDir);
console.error(`npm cache: ${npm.rebuilt ? "filled from node_modules" : "up to date"}`);
const stale = await invalidateStaleData(root, projectDir);
console.error(`data: ${stale ? "inputs changed, loaders will run" : "inputs unchanged, cached loader outputs reused"}`);
