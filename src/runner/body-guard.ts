// Checks on a response body made while it is read (transport.ts): the size limit, and for event
// streams UTF-8 and the closing `data: [DONE]` that tells a finished stream from a cut-off one.
import { Readable } from "node:stream";
import { megabytes } from "../limits.ts";
import { InvalidResponseError, ResponseTooLargeError } from "./retry.ts";

export function tooLarge(maxBytes: number, how: string): ResponseTooLargeError {
  return new ResponseTooLargeError(`the answer is larger than the ${megabytes(maxBytes)} limit (${how}; limits.response_mb raises it); it was not read further`);
}

export interface StreamChecks {
  maxBytes: number;
  /** A successful stream must end with `data: [DONE]`. */
  requireDone: boolean;
}

/** `source` as a web stream that errors once it passes maxBytes, holds bytes that are not UTF-8, or ends without [DONE]. */
export function guardEventStream(source: Readable, checks: StreamChecks): ReadableStream {
  async function* guarded(): AsyncGenerator<Buffer> {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let size = 0;
    let tail = "";
    let done = false;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > checks.maxBytes) throw tooLarge(checks.maxBytes, "while the stream was read");
        const text = decodeOrFail(decoder, chunk);
        // The marker may straddle two chunks: look at the end of the last one too.
        done ||= /data:\s?\[DONE\]/.test(tail + text);
        tail = text.slice(-16);
        yield chunk;
      }
      decodeOrFail(decoder);
      if (checks.requireDone && !done) throw new InvalidResponseError("the event stream ended without data: [DONE] (cut off, or not an OpenAI-style stream)");
    } finally {
      source.destroy();
    }
  }
  return Readable.toWeb(Readable.from(guarded(), { objectMode: false })) as ReadableStream;
}

function decodeOrFail(decoder: TextDecoder, chunk?: Buffer): string {
  try {
    return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
  } catch {
    throw new InvalidResponseError("the event stream is not valid UTF-8");
  }
}

