// Fills Observable Framework's npm cache (<root>/.observablehq/cache/_npm) from node_modules,
// so that `observable build` finds every `npm:` import locally and never reaches a CDN.
// Framework takes a package's version from the folder names already in that cache and never
// downloads a file that exists there (see ARCHITECTURE.md, "Offline build").
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import * as esbuild from "esbuild";
import { packageDir } from "../provenance.ts";

interface VendoredPackage {
  name: string;
  /** Module bundled into `_esm.js`; default: the package's browser ESM entry. */
  entry?: string;
  /** Copy the entry as is instead of bundling it (already a self-contained ES module). */
  copyEntry?: boolean;
  /** Other files the runtime loads by URL (wasm, workers), copied under the same relative path. */
  assets?: string[];
}

/** What the site's pages and Framework's client library import, with shared dependencies kept external. */
export const VENDORED: readonly VendoredPackage[] = [
  { name: "apache-arrow" },
  {
    name: "@duckdb/duckdb-wasm",
    entry: "dist/duckdb-browser.mjs",
    assets: [
      "dist/duckdb-mvp.wasm",
      "dist/duckdb-eh.wasm",
      "dist/duckdb-browser-mvp.worker.js",
      "dist/duckdb-browser-eh.worker.js",
    ],
  },
  { name: "parquet-wasm", entry: "esm/parquet_wasm.js", copyEntry: true, assets: ["esm/parquet_wasm_bg.wasm"] },
  { name: "d3-dsv" },
  { name: "d3" },
  { name: "@observablehq/plot" },
  { name: "htl" },
  { name: "isoformat" },
];

/** Libraries Framework's client only imports lazily; a placeholder version stops registry look-ups. */
export const NOT_VENDORED = [
  "react",
  "react-dom",
  "lodash",
  "arquero",
  "echarts",
  "leaflet",
  "mapbox-gl",
  "topojson-client",
  "@observablehq/sample-datasets",
  "@viz-js/viz",
  "katex",
  "mermaid",
  "sql.js",
  "vega",
  "vega-lite",
  "vega-lite-api",
  "@uwdata/vgplot",
  "exceljs",
  "jszip",
] as const;

const PLACEHOLDER_VERSION = "0.0.0-not-vendored";
const STAMP = ".thinksafe-stamp";

export interface NpmCacheResult {
  cacheDir: string;
  rebuilt: boolean;
  packages: string[];
}

/** Writes the cache under `root` unless its stamp shows it already matches node_modules. */
export async function fillNpmCache(root: string, projectDir: string): Promise<NpmCacheResult> {
  const resolved = VENDORED.map((spec) => {
    const dir = packageDir(join(projectDir, "package.json"), spec.name);
    const pkg = JSON.parse(readFileSyncUtf8(join(dir, "package.json"))) as { version: string };
    return { spec, dir, version: pkg.version, folder: `${spec.name}@${pkg.version}` };
  });
  const cacheDir = join(root, ".observablehq", "cache", "_npm");
  const stamp = createHash("sha256")
    .update(await readFile(new URL(import.meta.url)))
    .update(resolved.map((r) => r.folder).join("\n"))
    .digest("hex");
  const packages = resolved.map((r) => r.folder);
  if ((await readFile(join(cacheDir, STAMP), "utf8").catch(() => "")) === stamp) {
    return { cacheDir, rebuilt: false, packages };
  }

  await rm(cacheDir, { recursive: true, force: true });
  const folderOf = new Map(resolved.map((r) => [r.spec.name, r]));
  for (const { spec, dir, folder } of resolved) {
    const outDir = join(cacheDir, folder);
    await mkdir(outDir, { recursive: true });
    // Without an explicit entry, esbuild resolves the package name with browser conditions.
    const entry = spec.entry ? join(dir, spec.entry) : spec.name;
    const outFile = join(outDir, "_esm.js");
    if (spec.copyEntry) {
      await copyFile(entry, outFile);
    } else {
      await esbuild.build({
        entryPoints: [entry],
        absWorkingDir: projectDir,
        outfile: outFile,
        bundle: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        minify: true,
        legalComments: "none",
        logLevel: "error",
        plugins: [
          {
            // Other vendored packages stay external, pointing at their own `_esm.js`, so that
            // DuckDB-wasm and FileAttachment share one Arrow (Arrow tables cross between them).
            name: "vendored-externals",
            setup(build) {
              build.onResolve({ filter: /^[^./]/ }, (args) => {
                const name = packageName(args.path);
                const other = folderOf.get(name);
                if (!other || other.spec.name === spec.name || args.path !== name) return undefined;
                if (packageDir(args.importer, name) !== other.dir) return undefined; // a different version: bundle it inline
                const target = join(cacheDir, other.folder, "_esm.js");
                return { path: relativeImport(outDir, target), external: true };
              });
            },
          },
        ],
      });
    }
    for (const asset of spec.assets ?? []) {
      await mkdir(dirname(join(outDir, asset)), { recursive: true });
      await copyFile(join(dir, asset), join(outDir, asset));
    }
  }
  for (const name of NOT_VENDORED) {
    await mkdir(join(cacheDir, `${name}@${PLACEHOLDER_VERSION}`), { recursive: true });
  }
  await writeFile(join(cacheDir, STAMP), stamp);
  return { cacheDir, rebuilt: true, packages };
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function relativeImport(fromDir: string, target: string): string {
  const path = relative(fromDir, target).split("\\").join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

function readFileSyncUtf8(path: string): string {
  return readFileSync(path, "utf8");
}
