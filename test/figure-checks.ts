// Figure checks for the built site's pages, as a reader would look at them: the generic checks of
// every chart and table (figure-checks.browser.js, run in the page), the scale of a chart against
// the data it draws (computed here, independently, from the published Parquet), and screenshots.
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { Database } from "../src/duckdb/database.ts";

const IN_PAGE = readFileSync(new URL("./figure-checks.browser.js", import.meta.url), "utf8");

/** Every problem the generic checks find on the page as it is shown now, one line each. */
export async function figureProblems(page: Page): Promise<string[]> {
  return page.evaluate(`${IN_PAGE.trim()}()`) as Promise<string[]>;
}

/** Resizes the window and waits until the page has drawn itself again at the new width. */
export async function showAt(page: Page, width: number, settled: () => Promise<void>): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  // Framework redraws width-dependent cells on the next frames; then their own loading settles.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await settled();
  await page.waitForTimeout(200);
}

/**
 * A screenshot of the whole page into dir. The window is made as tall as the page first: a
 * full-page capture resizes the page behind Framework's back, which redraws every chart at a
 * transient width.
 */
export async function screenshot(page: Page, dir: string, name: string, settled: () => Promise<void>): Promise<string> {
  const { width } = page.viewportSize() ?? { width: 1280 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height: Math.min(height, 16_000) });
  await settled();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${width}.png`);
  await page.screenshot({ path: file });
  await page.setViewportSize({ width, height: 900 });
  return file;
}

export interface ScaleInfo {
  type: string;
  domain: unknown[];
  percent: boolean;
}

/** The scale `key` of each Plot chart under `selector`, in document order. */
export async function chartScales(page: Page, selector: string, key: string): Promise<ScaleInfo[]> {
  return page.locator(selector).evaluate((root, key) => {
    const charts = [...root.querySelectorAll("figure, svg"), root].filter(
      (el) => typeof (el as unknown as { scale?: unknown }).scale === "function",
    ) as unknown as { scale(key: string): { type: string; domain: unknown[]; percent?: boolean } | undefined }[];
    return charts.flatMap((chart) => {
      const s = chart.scale(key);
      return s ? [{ type: s.type, domain: s.domain, percent: !!s.percent }] : [];
    });
  }, key);
}

/** What a chart draws, as the published tables say: the data's extent on one scale. */
export interface FigureData {
  /** CSS selector of the chart's container (every chart in it is checked). */
  figure: string;
  scale: "x" | "y" | "color" | "r";
  /**
   * SQL over the published tables (views named as the tables) giving the data's extent as lo, hi:
   * one row for every chart in the figure, or one row per chart in the order the page draws them.
   */
  extent: string;
  /** The data's unit: a share in [0, 1] is drawn as percent by a `percent` scale. */
  unit: "share" | "number";
}

/**
 * Asserts that every chart's scale under `spec.figure` covers the data's extent in the unit it is
 * drawn in, and that the data fill a visible part of the domain (a domain in the wrong unit either
 * misses the data or squeezes it into a sliver).
 */
export async function scaleProblems(page: Page, spec: FigureData, extents: [number, number][]): Promise<string[]> {
  const scales = await chartScales(page, spec.figure, spec.scale);
  if (scales.length === 0) return [`${spec.figure}: no chart with a ${spec.scale} scale`];
  if (extents.length !== 1 && extents.length !== scales.length) return [`${spec.figure}: ${scales.length} charts but ${extents.length} data extents`];
  return scales.flatMap((s, i) => {
    const extent = extents[extents.length === 1 ? 0 : i]!;
    const name = `${spec.figure} chart ${i + 1}, ${spec.scale} scale`;
    const numbers = s.domain.filter((d): d is number => typeof d === "number");
    if (numbers.length < 2) return [`${name}: domain [${s.domain.join(", ")}] is not quantitative`];
    const factor = spec.unit === "share" && s.percent ? 100 : 1;
    const [lo, hi] = [extent[0] * factor, extent[1] * factor];
    const [from, to] = [Math.min(...numbers), Math.max(...numbers)];
    const problems: string[] = [];
    const slack = 1e-9 * Math.max(1, Math.abs(from), Math.abs(to));
    if (lo < from - slack || hi > to + slack) problems.push(`${name}: domain [${from}, ${to}] does not cover the data [${lo}, ${hi}]${s.percent ? " (percent)" : ""}`);
    if (to - from > 0 && hi - lo > 0 && (hi - lo) / (to - from) < 0.02) problems.push(`${name}: the data [${lo}, ${hi}] fill under 2% of the domain [${from}, ${to}]: wrong units?`);
    return problems;
  });
}

/** Computes each spec's extent from the built site's published Parquet (dist/_file/data). */
export async function dataExtents(distDir: string, specs: readonly FigureData[]): Promise<[number, number][][]> {
  const extents: [number, number][][] = [];
  for (const spec of specs) {
    const rows = await queryPublished(distDir, spec.extent);
    if (rows.length === 0 || rows.some((row) => row.lo == null || row.hi == null)) throw new Error(`${spec.figure}: the extent query returned no data: ${spec.extent}`);
    extents.push(rows.map((row) => [Number(row.lo), Number(row.hi)]));
  }
  return extents;
}

/** Runs SQL in Node's DuckDB over the tables a built site publishes, each a view named as the table. */
export async function queryPublished(distDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await Database.open();
  try {
    const dataDir = join(distDir, "_file", "data");
    for (const table of new Set([...sql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_]+)/gi)].map((m) => m[1]!))) {
      await db.connection.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet('${join(dataDir, `${table}.*.parquet`)}')`);
    }
    return (await db.connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    db.close();
  }
}
