// End-to-end test of the static site: builds it offline, serves dist/ on loopback and opens every
// page in headless chromium, failing on any script error, failed or external request, console
// error or Framework error cell.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  errorCells,
  launchBrowser,
  listPages,
  serveDist,
  waitForCells,
  watchPage,
  type DistServer,
  type TestBrowser,
} from "./browser.ts";

const PROJECT_DIR = fileURLToPath(new URL("..", import.meta.url));
const BUILD_TIMEOUT_MS = 5 * 60_000;
const CELLS_TIMEOUT_MS = 60_000;

type PageCheck = (page: Page) => Promise<void>;

/**
 * EXTENSION POINT: page-specific checks, run after a page has loaded cleanly and all its cells
 * have settled. Replace the stubs with assertions about what each page must show.
 */
const PAGE_CHECKS: Record<string, PageCheck> = {
  "/judges-vs-humans": async (_page) => {
    // To be added with the page: e.g. the agreement table and chart are rendered.
  },
  "/explore": async (_page) => {
    // To be added with the page: e.g. running the default SQL query shows a result table.
  },
};

let server: DistServer;
let browser: TestBrowser;

before(async () => {
  await buildSite();
  server = await serveDist(join(PROJECT_DIR, "dist"));
  browser = await launchBrowser();
}, { timeout: BUILD_TIMEOUT_MS + 60_000 });

after(async () => {
  await browser?.close();
  await server?.close();
});

test("every page loads without errors", { timeout: 300_000 }, async (t) => {
  const pages = await listPages(join(PROJECT_DIR, "dist"));
  assert.ok(pages.includes("/"), `no home page among the built pages: ${pages.join(", ")}`);
  for (const path of Object.keys(PAGE_CHECKS)) {
    assert.ok(pages.includes(path), `${path} has page-specific checks but was not built`);
  }
  for (const path of pages) {
    await t.test(path, () => checkPage(path));
  }
});

/** Opens one page, lets it settle and asserts that nothing went wrong, then runs its own checks. */
async function checkPage(path: string): Promise<void> {
  const page = await browser.newPage();
  try {
    const watch = await watchPage(page, server.url);
    await page.goto(`${server.url}${path}`, { waitUntil: "networkidle" });
    await waitForCells(page, CELLS_TIMEOUT_MS);
    // Cells that just settled may have started requests of their own.
    await watch.networkIdle();
    // One report for both, since a failing cell usually shows up in each.
    const problems = [...watch.problems(), ...(await errorCells(page)).map((text) => `error cell: ${text}`)];
    assert.ok(problems.length === 0, `${path} has ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
    await PAGE_CHECKS[path]?.(page);
  } finally {
    await page.close();
  }
}

/** `npm run build` in the project (prebuild fills the offline npm cache first). */
function buildSite(): Promise<void> {
  return new Promise((done, fail) => {
    const build = spawn("npm", ["run", "build"], {
      cwd: PROJECT_DIR,
      env: { ...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true" },
      stdio: ["ignore", "ignore", "inherit"],
      timeout: BUILD_TIMEOUT_MS,
    });
    build.once("error", fail);
    build.once("exit", (code, signal) => {
      if (code === 0) done();
      else fail(new Error(`npm run build failed (${signal ? `killed by ${signal}` : `exit code ${code}`})`));
    });
  });
}
