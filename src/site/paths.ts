// Where the project and the site's pages are, for build tooling and loaders alike.
import { fileURLToPath } from "node:url";

export const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));
export const SITE_ROOT = `${PROJECT_DIR}docs`;
