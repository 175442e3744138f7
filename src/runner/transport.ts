// A fetch for the openai client (its documented `fetch` option) over node:http with keep-alive.
// Node's built-in fetch costs about twice the CPU per request, which at thousands of requests a
// second is the runner's bottleneck. Bodies are read whole before the Response is returned, so the
// client's timeout also covers a server that stalls after sending headers; event streams stay
// streams. Anything else (multipart uploads, streamed request bodies) goes to the built-in fetch.
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function createTransport(): typeof fetch {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 1024 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 1024 }),
  };
  return async function transport(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const body = init.body;
    if (input instanceof Request || !(body == null || typeof body === "string" || body instanceof Uint8Array)) {
      return fetch(input, init);
    }
    const url = new URL(input);
    const client = url.protocol === "https:" ? https : http;
    const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal;
      if (signal?.aborted) return reject(abortError());
      const request = client.request(url, { method: init.method ?? "GET", headers: plainHeaders(init.headers), agent }, (response) => {
        const status = response.statusCode ?? 0;
        const headers = new Headers();
        for (let i = 0; i < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
        const meta = { status, statusText: response.statusMessage ?? "", headers };
        if (NULL_BODY_STATUSES.has(status)) {
          response.resume();
          return resolve(new Response(null, meta));
        }
        if ((headers.get("content-type") ?? "").startsWith("text/event-stream")) {
          return resolve(new Response(Readable.toWeb(response) as ReadableStream, meta));
        }
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(new Response(Buffer.concat(chunks), meta)));
        response.on("error", reject);
      });
      const onAbort = () => request.destroy(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("close", () => signal?.removeEventListener("abort", onAbort));
      request.on("error", reject);
      request.end(body ?? undefined);
    });
  };
}

/** The client recognises aborts (its timeouts) by this name, as with the built-in fetch. */
function abortError(): Error {
  return new DOMException("The operation was aborted.", "AbortError");
}

function plainHeaders(headers: HeadersInit | undefined): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers);
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}
