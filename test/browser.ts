// Browser harness for end-to-end tests of the built site: a static server for dist/, Debian's
// chromium driven by playwright-core, and a watcher that turns everything that can go wrong on a
// page (script errors, failed or external requests, console errors) into a list of problems.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium, type Page, type Request } from "playwright-core";
import { serveStatic } from "../src/site/static-server.ts";

export type { StaticServer as DistServer } from "../src/site/static-server.ts";

/** Serves a built site as a plain static host would: files and folders' index.html, no rewrites. */
export const serveDist = (dir: string) => serveStatic(dir);

export interface TestBrowser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface PageWatch {
  /** Everything that went wrong on the page so far, one line each. */
  problems(): string[];
  /** Resolves once no request has been in flight for quietMs (unlike goto's, reusable after load). */
  networkIdle(quietMs?: number): Promise<void>;
}

/** Headless Debian chromium with a throwaway profile (playwright-core never downloads one). */
export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), "thinksafe-chromium-"));
  const removeProfile = () => rm(userDataDir, { recursive: true, force: true });
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    return {
      newPage: () => context.newPage(),
      close: async () => {
        await context.close();
        await removeProfile();
      },
    };
  } catch (error) {
    await removeProfile();
    throw error;
  }
}

/**
 * Starts collecting the page's problems. Requests outside baseUrl are problems too, and are
 * aborted so that a test never depends on (or leaks to) the network.
 */
export async function watchPage(page: Page, baseUrl: string): Promise<PageWatch> {
  const problems: string[] = [];
  const isLocal = localUrlTest(baseUrl);
  await page.route(
    (url) => !isLocal(url.href),
    (route) => {
      problems.push(`external request: ${route.request().method()} ${route.request().url()}`);
      return route.abort("blockedbyclient");
    },
  );
  page.on("pageerror", (error) => problems.push(`uncaught error: ${error.stack ?? error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const where = message.location().url;
    problems.push(`console error: ${message.text()}${where ? ` (at ${where})` : ""}`);
  });
  const answered = new WeakSet<Request>();
  page.on("response", (response) => {
    answered.add(response.request());
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on("requestfailed", (request) => {
    if (!isLocal(request.url())) return; // already reported as an external request
    const error = request.failure()?.errorText ?? "unknown error";
    // Chromium reports ERR_ABORTED when the page stops reading a body it already got; e.g.
    // DuckDB-wasm's streaming compile of its 35 MB wasm, now and then, after the last byte.
    // An error status was reported above; a truncated body fails with another error.
    if (error === "net::ERR_ABORTED" && answered.has(request)) return;
    problems.push(`request failed: ${request.url()} (${error})`);
  });
  const traffic = trackTraffic(page);
  return { problems: () => [...problems], networkIdle: traffic.idle };
}

/** Counts requests in flight, so that a test can wait for quiet at any time. */
function trackTraffic(page: Page): { idle(quietMs?: number): Promise<void> } {
  let inFlight = 0;
  let lastChange = Date.now();
  const change = (delta: number) => {
    inFlight += delta;
    lastChange = Date.now();
  };
  page.on("request", () => change(+1));
  page.on("requestfinished", () => change(-1));
  page.on("requestfailed", () => change(-1));
  return {
    idle: async (quietMs = 500) => {
      while (inFlight > 0 || Date.now() - lastChange < quietMs) await sleep(50);
    },
  };
}

/** Whether a URL is served by baseUrl; data: and blob: URLs never leave the browser. */
function localUrlTest(baseUrl: string): (url: string) => boolean {
  const base = baseUrl.replace(/\/+$/, "");
  return (url) => url === base || url.startsWith(`${base}/`) || url.startsWith("data:") || url.startsWith("blob:");
}

const NON_PAGE_DIRS = ["_observablehq/", "_npm/", "_file/", "_import/"];

/** Page paths as Framework names them (`/`, `/explore`, `/dir/`) of every page built into distDir, sorted. */
export async function listPages(distDir: string): Promise<string[]> {
  const files = await readdir(distDir, { recursive: true });
  return files
    .map((file) => file.split(sep).join("/"))
    .filter((file) => file.endsWith(".html") && file !== "404.html")
    .filter((file) => !NON_PAGE_DIRS.some((dir) => file.startsWith(dir)))
    .map((file) => `/${file.replace(/(^|\/)index\.html$/, "$1").replace(/\.html$/, "")}`)
    .sort();
}

/** The file a static host serves for a page path: `/` → `/index.html`, `/explore` → `/explore.html`. */
export function pageUrl(path: string): string {
  return path.endsWith("/") ? `${path}index.html` : `${path}.html`;
}

// Framework-aware waits and queries, shared by the generic and the page-specific checks.

/**
 * Waits until no cell is pending. Framework 1.x marks a pending cell with an
 * `<observablehq-loading>` element, which it removes once the cell displays or fails.
 */
export async function waitForCells(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0, undefined, {
    timeout,
  });
}

/** Text of every cell Framework shows as failed (its inspector marks them `.observablehq--error`). */
export async function errorCells(page: Page): Promise<string[]> {
  return page.locator(".observablehq--error").allInnerTexts();
}
