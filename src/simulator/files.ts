// OpenAI's Files API, shared by the Batch and fine-tuning APIs: multipart uploads, metadata, content
// and the cursor-paginated list. Files live in memory for the life of the server.
import { apiError, type ApiError } from "./http.ts";

/** A reply before it is sent: the status and the JSON body. ApiError is one. */
export interface JsonOutcome {
  status: number;
  body: unknown;
}

export interface FileObject {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: "processed";
  status_details: null;
  expires_at: null;
}

export interface StoredFile {
  meta: FileObject;
  content: Buffer;
}

export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private nextId = 1;

  /** `POST /v1/files`: multipart/form-data with `purpose` and `file`. */
  async upload(contentType: string | undefined, body: Buffer): Promise<JsonOutcome> {
    if (!contentType?.startsWith("multipart/form-data")) {
      return apiError(400, "Uploads must be multipart/form-data with the fields purpose and file.");
    }
    let form: FormData;
    try {
      // undici's Request parses multipart bodies, so the simulator needs no parser of its own.
      form = await new Request("http://simulator/v1/files", { method: "POST", headers: { "content-type": contentType }, body: new Uint8Array(body) }).formData();
    } catch (error) {
      return apiError(400, `Malformed multipart body: ${(error as Error).message}`);
    }
    const purpose = form.get("purpose");
    const file = form.get("file");
    if (typeof purpose !== "string" || purpose === "") return apiError(400, "Missing form field: purpose.");
    if (file === null || typeof file === "string") return apiError(400, "Missing form field: file (a file part).");
    const stored = this.store(file.name || "upload.jsonl", purpose, Buffer.from(await file.arrayBuffer()));
    return { status: 200, body: stored.meta };
  }

  get(id: string): JsonOutcome {
    const file = this.files.get(id);
    return file ? { status: 200, body: file.meta } : noSuchFile(id);
  }

  /** The stored file itself, for the APIs that read uploads. */
  file(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  content(id: string): Buffer | ApiError {
    return this.files.get(id)?.content ?? noSuchFile(id);
  }

  /** `GET /v1/files?purpose=&limit=&after=&order=`: newest first unless `order=asc`. */
  list(query: URLSearchParams): JsonOutcome {
    const purpose = query.get("purpose");
    const all = [...this.files.values()].map((file) => file.meta).filter((meta) => !purpose || meta.purpose === purpose);
    if (query.get("order") !== "asc") all.reverse();
    return cursorPage(all, query, 10_000);
  }

  store(filename: string, purpose: string, content: Buffer): StoredFile {
    const file: StoredFile = {
      meta: {
        id: `file-sim-${String(this.nextId++).padStart(6, "0")}`,
        object: "file",
        bytes: content.length,
        created_at: unixTime(),
        filename,
        purpose,
        status: "processed",
        status_details: null,
        expires_at: null,
      },
      content,
    };
    this.files.set(file.meta.id, file);
    return file;
  }
}

/**
 * One page of `items` (already in list order) as the openai SDK's CursorPage reads it: `data`,
 * `has_more`, and the next page starting after the id given as `after`; `limit` defaults to 20.
 */
export function cursorPage(items: readonly { id: string }[], query: URLSearchParams, maxLimit = 100): JsonOutcome {
  const limitText = query.get("limit");
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) return apiError(400, `limit must be a whole number from 1 to ${maxLimit}, not "${limitText}".`);
  const after = query.get("after");
  const start = after === null ? 0 : items.findIndex((item) => item.id === after) + 1;
  if (after !== null && start === 0) return apiError(400, `after: no item with id "${after}" in this list.`);
  const data = items.slice(start, start + limit);
  return {
    status: 200,
    body: { object: "list", data, has_more: start + limit < items.length, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null },
  };
}

export function noSuchFile(id: string): ApiError {
  return apiError(404, `No such File object: ${id}`);
}

export function unixTime(): number {
  return Math.floor(Date.now() / 1000);
}
