// A plain static file server for dist/: a path is a file, or a folder's index.html, and nothing
// else. No rewrites (`/foo` is not `/foo.html`), as `python3 -m http.server`, nginx, S3 or GitHub
// Pages without configuration. `npm run preview` serves the built site with it, and the browser
// tests use it, so a link that needs a rewrite fails here as it would on the lab's host.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";

export interface StaticServer {
  /** Origin of the server, without a trailing slash: `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
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

/** Serves `dir` on `host:port` (port 0: any free one). */
export async function serveStatic(dir: string, { host = "127.0.0.1", port = 0 } = {}): Promise<StaticServer> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    respond(root, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, done);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        // Browsers keep idle connections open, which would hold close() forever.
        server.closeAllConnections();
      }),
  };
}

async function respond(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") return sendText(response, 405, "method not allowed");
  const url = new URL(request.url ?? "/", "http://localhost");
  const file = fileOf(root, url.pathname);
  if (file === null) return sendText(response, 404, "not found");
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    // As every static server does: a folder named without its slash is redirected to it.
    if (!url.pathname.endsWith("/")) {
      response.writeHead(301, { Location: `${url.pathname}/${url.search}` }).end();
      return;
    }
    const index = join(file, "index.html");
    const indexInfo = await stat(index).catch(() => null);
    if (indexInfo?.isFile()) return sendFile(request, response, index, indexInfo.size);
  } else if (info?.isFile()) {
    return sendFile(request, response, file, info.size);
  }
  sendText(response, 404, "not found");
}

/** The file a URL path names under root; null when it leaves root or cannot be decoded. */
function fileOf(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const file = join(root, decoded);
  return file === root || file.startsWith(root + sep) ? file : null;
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

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" }).end(text);
}
