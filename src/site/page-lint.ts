// Catches, before `observable build`, the Framework SQL idioms that cannot work in an offline site:
// DuckDB-wasm reads Parquet and JSON only through extensions it fetches from extensions.duckdb.org,
// which the build disables (observablehq.config.ts). In the browser such a page shows only
// "RuntimeError: unreachable"; here it is an error naming the page, the table and the fix.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";

const NEEDS_EXTENSION = /\.(parquet|json|ndjson|jsonl)$/i;

const FIX =
  'decode the file in the page instead: `const sql = parquetSql({NAME: FileAttachment("FILE")})` with `import { parquetSql } from "./components/duckdb.js"` (then ```sql cells query NAME), or publish the table as Arrow (.arrow) or CSV, which DuckDB-wasm reads without an extension';

/** The offline problems of one page's text, each naming the page, the table and the fix. */
export function offlineSqlProblems(page: string, text: string): string[] {
  const problems: string[] = [];
  const fix = (name: string, file: string) => FIX.replaceAll("NAME", name).replace("FILE", file);
  const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text)?.[1];
  if (frontMatter !== undefined) {
    let data: unknown;
    try {
      data = parseYaml(frontMatter);
    } catch {
      data = null; // Framework reports malformed front matter itself
    }
    const sql = (data as { sql?: unknown } | null)?.sql;
    if (sql && typeof sql === "object") {
      for (const [name, source] of Object.entries(sql)) {
        const file = typeof source === "string" ? source : (source as { file?: unknown } | null)?.file;
        if (typeof file === "string" && NEEDS_EXTENSION.test(file)) {
          problems.push(`${page}: front matter sql.${name}: ${file} needs a DuckDB extension that an offline site cannot load; ${fix(name, file)}`);
        }
      }
    }
  }
  // DuckDBClient.of({t: FileAttachment("t.parquet")}) (or .sql) hands DuckDB the file itself.
  for (const call of text.matchAll(/DuckDBClient\.(?:of|sql)\(\s*\{([^}]*)\}/g)) {
    for (const entry of call[1]!.matchAll(/(?:^|,)\s*["']?([\w$]+)["']?\s*:\s*FileAttachment\(\s*(["'`])([^"'`]+)\2\s*\)(?!\s*\.)/g)) {
      const [, name, , file] = entry;
      if (NEEDS_EXTENSION.test(file!)) problems.push(`${page}: DuckDBClient given ${file} as table ${name}: it needs a DuckDB extension that an offline site cannot load; ${fix(name!, file!)}`);
    }
  }
  return problems;
}

/** Every page under the site root (Markdown and page modules), checked. */
export async function lintPages(root: string): Promise<string[]> {
  const files = (await readdir(root, { recursive: true }))
    .map(String)
    .filter((file) => /\.(md|js)$/.test(file) && !file.split(/[\\/]/).some((part) => part.startsWith(".") || part === "node_modules"));
  const problems: string[] = [];
  for (const file of files.sort()) {
    const path = join(root, file);
    problems.push(...offlineSqlProblems(relative(join(root, ".."), path), await readFile(path, "utf8")));
  }
  return problems;
}
