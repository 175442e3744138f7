// Observable Framework's build, run in this process exactly as `observable build` runs it (the same
// two calls), for the whole site or for some pages only. Building one page renders it and writes
// what it references; every other output file is named by a hash of its content, so the page's
// HTML is the one a whole build would write and the files it names are those already in dist/.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
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
 * Builds only `pages` (e.g. "/degradation") straight into the site's output: each page's HTML is
 * written, and any file it references that the output lacks; a file already there has the same
 * name, so the same content, and is left alone. Returns the pages' HTML files.
 */
export async function buildPages(projectDir: string, pages: readonly string[]): Promise<string[]> {
  const config = await projectConfig(projectDir);
  const output = resolve(projectDir, config.output);
  // A copy with its own properties (Framework spreads the config), getters kept.
  const partial = Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors(config),
    paths: {
      value: async function* () {
        yield* pages;
      },
      enumerable: true,
    },
  }) as Config;
  const html = new Set(pages.map((page) => `${page.replace(/^\//, "")}.html`));
  const links: Array<[string, string]> = [];
  const write = async (path: string, contents: () => Promise<void>) => {
    const target = join(output, path);
    if (!html.has(path.replace(/^\//, "")) && existsSync(target)) return;
    await mkdir(dirname(target), { recursive: true });
    await contents();
  };
  const { build } = await framework();
  await build({ config: partial }, {
    output: process.stdout,
    logger: {
      ...console,
      // Framework checks links against the pages of this build only; ours are checked against dist/ below.
      warn: (...args: unknown[]) => (/broken link/.test(String(args[0])) ? undefined : console.warn(...args)),
      log: (...args: unknown[]) => {
        const link = /^↳ (\S+) → (\S+)$/.exec(String(args[0]).replace(/\x1b\[[0-9;]*m/g, ""));
        if (link) links.push([link[1]!, link[2]!]);
        else console.log(...args);
      },
    },
    prepare: async () => {},
    copyFile: (source: string, path: string) => write(path, () => copyFile(source, join(output, path))),
    writeFile: (path: string, contents: string | Uint8Array) => write(path, () => writeFile(join(output, path), contents)),
    writeBuildManifest: async () => {}, // the whole build's manifest stays the whole site's
  });
  for (const [page, link] of links) {
    const file = link.endsWith("/") ? `${link}index.html` : extname(link) ? link : `${link}.html`;
    if (!existsSync(join(output, file))) console.warn(`Warning: broken link on ${page}: ${link}`);
  }
  return [...html].map((path) => join(output, path));
}
