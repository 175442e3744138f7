// Observable Framework's build, run in this process exactly as `observable build` runs it (the same
// two calls), for the whole site or for some pages only. Building one page renders it and copies
// what it references; every other output file is named by a hash of its content, so the page's
// HTML is the one a whole build would write and the files it names are those already in dist/.
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Config } from "@observablehq/framework/dist/config.js";

process.env.OBSERVABLE_TELEMETRY_DISABLE = "true";

/** Framework resolves the config, docs/ and dist/ against the working directory, as its CLI does. */
async function projectConfig(projectDir: string): Promise<Config> {
  if (resolve(process.cwd()) !== resolve(projectDir)) throw new Error(`the site is built from its project folder ${projectDir}, not ${process.cwd()}`);
  const { readConfig } = await import("@observablehq/framework/dist/config.js");
  return readConfig();
}

// Imported when a build runs: Framework's build loads rollup and esbuild, seconds a no-op build must not pay.
const framework = () => import("@observablehq/framework/dist/build.js");

export async function buildSite(projectDir: string): Promise<void> {
  const { build } = await framework();
  await build({ config: await projectConfig(projectDir) });
}

/**
 * Builds only `pages` (e.g. "/degradation") into `staging`, then copies each page's HTML into the
 * site's output and any file it references that the output lacks. Returns the pages' HTML files.
 */
export async function buildPages(projectDir: string, pages: readonly string[], staging: string): Promise<string[]> {
  const config = await projectConfig(projectDir);
  // A copy with its own properties (Framework spreads the config), getters kept.
  const partial = Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors(config),
    output: { value: staging, enumerable: true },
    paths: {
      value: async function* () {
        yield* pages;
      },
      enumerable: true,
    },
  }) as Config;
  await rm(staging, { recursive: true, force: true });
  const { build, FileBuildEffects } = await framework();
  // Its own manifest folder: the whole build's manifest (Framework's cache) stays the whole site's.
  await build({ config: partial }, new FileBuildEffects(staging, join(staging, ".manifest")));
  const html = pages.map((page) => `${page.replace(/^\//, "")}.html`);
  for (const file of await listFiles(staging)) {
    const path = relative(staging, file);
    if (path.startsWith(".manifest")) continue;
    const target = join(config.output, path);
    if (html.includes(path) || !existsSync(target)) {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(file, target);
    }
  }
  await rm(staging, { recursive: true, force: true });
  return html.map((path) => resolve(projectDir, config.output, path));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}
