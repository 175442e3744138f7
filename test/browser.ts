// Browser harness for end-to-end tests of the built site: a static server for dist/, Debian's
// chromium driven by playwright-core, and a watcher that turns everything that can go wrong on a
// page (script errors, failed or external requests, console errors) into a list of problems.
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium, type Page, type Request } from "playwright-core";

export interface DistServer {
  /** Origin of the server, without a trailing slash: `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

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

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm", // required by WebAssembly.instantiateStreaming
  ".parquet": "application/octet-stream",
  ".arrow": "application/vnd.apache.arrow.file",
  ".csv": "text/csv; charset=utf-8",
  ".tsv": "text/tab-separated-values; charset=utf-8",
  ".sql": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** Serves a built Framework site on an ephemeral loopback port, with its clean URLs. */
export async function serveDist(dir: string): Promise<DistServer> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    respond(root, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        // Chromium keeps idle connections open, which would hold close() forever.
        server.closeAllConnections();
      }),
  };
}

async function respond(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") return sendText(response, 405, "method not allowed");
  const candidates = candidateFiles(root, request.url ?? "/");
  if (candidates === null) return sendText(response, 403, "outside the served directory");
  for (const file of candidates) {
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) return sendFile(request, response, file, info.size);
  }
  sendText(response, 404, "not found");
}

/** Sends a file, or the byte range asked for: DuckDB-wasm reads remote files with Range requests. */
async function sendFile(request: IncomingMessage, response: ServerResponse, file: string, size: number): Promise<void> {
  const range = requestedRange(request.headers.range, size);
  if (range === "unsatisfiable") {
    response.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
    return;
  }
  const headers: Record<string, string | number> = {
    "Content-Type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": range ? range.end - range.start + 1 : size,
    "Accept-Ranges": "bytes",
    "Cache-Control": "no-store",
  };
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${size}`;
  response.writeHead(range ? 206 : 200, headers);
  if (request.method === "HEAD") return void response.end();
  await pipeline(createReadStream(file, range ?? {}), response);
}

/** The byte range of a single-range `Range` header; null (send everything) for none or multipart. */
function requestedRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? "");
  const [first = "", last = ""] = match?.slice(1) ?? [];
  if (first === "" && last === "") return null;
  const start = first === "" ? size - Number(last) : Number(first);
  const end = first === "" || last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return start >= 0 && start <= end ? { start, end } : "unsatisfiable";
}

/**
 * The files a request may name, in order, mapped the way Framework's deployed sites expect:
 * `/` → index.html, `/dir/` → dir/index.html, `/foo` → foo or else foo.html.
 * Null when the (decoded) path leaves root; an undecodable path names no file.
 */
function candidateFiles(root: string, requestUrl: string): string[] | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl, "http://localhost").pathname);
  } catch {
    return [];
  }
  const names = pathname.endsWith("/") ? [`${pathname}index.html`] : [pathname, `${pathname}.html`];
  const files = names.map((name) => join(root, name));
  return files.every((file) => file.startsWith(root + sep)) ? files : null;
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" }).end(text);
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

/** Clean URL paths (`/`, `/explore`, `/dir/`) of every page built into distDir, sorted. */
export async function listPages(distDir: string): Promise<string[]> {
  const files = await readdir(distDir, { recursive: true });
  return files
    .map((file) => file.split(sep).join("/"))
    .filter((file) => file.endsWith(".html") && file !== "404.html")
    .filter((file) => !NON_PAGE_DIRS.some((dir) => file.startsWith(dir)))
    .map((file) => `/${file.replace(/(^|\/)index\.html$/, "$1").replace(/\.html$/, "")}`)
    .sort();
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
