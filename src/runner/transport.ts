// A fetch for the openai client (its documented `fetch` option) over node:http with keep-alive.
// Node's built-in fetch costs about twice the CPU per request, which at thousands of requests a
// second is the runner's bottleneck. Bodies are read whole before the Response is returned, so the
// client's timeout also covers a server that stalls after sending headers; event streams stay
// streams. Anything else (multipart uploads, streamed request bodies) goes to the built-in fetch.
//
// What a server sends is untrusted, so bodies are checked while they are read (body-guard.ts): a
// body stops being read once it passes `maxBytes` (ResponseTooLargeError: memory stays bounded by
// the limit whatever the server sends), a JSON body must be non-empty UTF-8, and a successful event
// stream must be UTF-8 and end with `data: [DONE]` (InvalidResponseError). The SDK reports them as
// the cause of its connection error; retry.ts names them.
import http from "node:http";
import https from "node:https";
import { isUtf8 } from "node:buffer";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../limits.ts";
import { guardEventStream, tooLarge } from "./body-guard.ts";
import { InvalidResponseError } from "./retry.ts";

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export { DEFAULT_MAX_RESPONSE_BYTES } from "../limits.ts";

export interface BodyLimits {
  /** Bytes of one response body read at most. */
  maxBytes: number;
}

export type Transport = (input: string | URL | Request, init?: RequestInit, limits?: BodyLimits) => Promise<Response>;

/**
 * Batch output and error files (`GET /files/{id}/content`) hold many answers: they are not held to
 * one answer's limit; batch.ts holds each of their lines to it instead.
 */
const FILE_CONTENT = /\/files\/[^/]+\/content$/;

export function createTransport(): Transport {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 1024 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 1024 }),
  };
  return async function transport(input, init = {}, limits = { maxBytes: DEFAULT_MAX_RESPONSE_BYTES }): Promise<Response> {
    const body = init.body;
    if (input instanceof Request || !(body == null || typeof body === "string" || body instanceof Uint8Array)) {
      return fetch(input, init);
    }
    const url = new URL(input);
    const client = url.protocol === "https:" ? https : http;
    const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
    const maxBytes = FILE_CONTENT.test(url.pathname) ? Number.POSITIVE_INFINITY : limits.maxBytes;
    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal;
      if (signal?.aborted) return reject(abortError());
      const request = client.request(url, { method: init.method ?? "GET", headers: plainHeaders(init.headers), agent }, (response) => {
        const status = response.statusCode ?? 0;
        const headers = new Headers();
        for (let i = 0; i < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
        const meta = { status, statusText: response.statusMessage ?? "", headers };
        const fail = (error: Error) => {
          response.destroy();
          request.destroy();
          reject(error);
        };
        if (NULL_BODY_STATUSES.has(status)) {
          response.resume();
          return resolve(new Response(null, meta));
        }
        const announced = Number(headers.get("content-length"));
        if (Number.isFinite(announced) && announced > maxBytes) return fail(tooLarge(maxBytes, `announced ${announced.toLocaleString("en-US")} bytes`));
        const type = headers.get("content-type") ?? "";
        const ok = status >= 200 && status < 300;
        if (type.startsWith("text/event-stream")) {
          return resolve(new Response(guardEventStream(response, { maxBytes, requireDone: ok }), meta));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return fail(tooLarge(maxBytes, "while it was read"));
          chunks.push(chunk);
        });
        response.on("end", () => {
          const bytes = Buffer.concat(chunks);
          if (ok && type.includes("json")) {
            if (bytes.length === 0) return reject(new InvalidResponseError(`the endpoint answered HTTP ${status} with headers but no body`));
            if (!isUtf8(bytes)) return reject(new InvalidResponseError(`the endpoint's answer is not valid UTF-8 (${bytes.length.toLocaleString("en-US")} bytes)`));
          }
          // A JSON answer is read with json() or text(); anything else (a batch's output file) may be read as a stream.
          resolve(type.includes("json") && maxBytes !== Number.POSITIVE_INFINITY ? new ReadResponse(bytes, meta) : new Response(bytes, meta));
        });
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

/**
 * A JSON Response whose body has been read already: json() and text() decode the bytes in hand,
 * without the web stream a Response built around them would set up and drain for each answer
 * (about 100 µs of the client's 500 for an image request). The client reads a JSON body once, with
 * one of them; its `body` is null.
 */
class ReadResponse extends Response {
  readonly #read: Buffer;

  constructor(read: Buffer, init: ResponseInit) {
    super(null, init);
    this.#read = read;
  }

  override async text(): Promise<string> {
    return this.#read.toString("utf8");
  }

  override async json(): Promise<unknown> {
    return JSON.parse(this.#read.toString("utf8"));
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read.buffer.slice(this.#read.byteOffset, this.#read.byteOffset + this.#read.length) as ArrayBuffer;
  }
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
