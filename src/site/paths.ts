// Where the project, the site's pages and the site study's caches are, for build tooling and loaders alike.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));
export const SITE_ROOT = `${PROJECT_DIR}docs`;
/** The site study's response and image caches (also its galleries' renders). */
export const SITE_CACHE_DIR = join(PROJECT_DIR, ".thinksafe", "cache");
