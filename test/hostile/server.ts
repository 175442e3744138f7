// A hostile OpenAI-compatible endpoint for test/hostile/: each model name is one way a server can
// answer badly (wrong types, wrong shapes, bytes that are not UTF-8, headers without a body, a
// stream that never says [DONE], 200 MB answers, the Authorization header echoed back…). The model
// `good` answers correctly, so every test can show the good rows kept beside the bad ones. It is
// not thinksafe's simulator: nothing here marks itself simulated. Listens on loopback only.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HostileServer {
  url: string;
  /** Chat requests received, per model name. */
  requests: Map<string, number>;
  /** Every request, /models included. */
  total(): number;
  close(): Promise<void>;
}

/** A completion body as OpenAI sends it, with `message` merged into the first choice's message. */
export function completion(model: string, message: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "chatcmpl-hostile",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: "stop" }],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    ...extra,
  };
}

/** A thinking long enough for any thinking-length filter, then an answer. */
export const GOOD_ANSWER = `<think>${"The request asks about the picture, and I consider whether it is safe to answer. ".repeat(8)}</think>I can describe the picture: it shows printed text.`;

type Handler = (req: IncomingMessage, res: ServerResponse, model: string, authorization: string) => void | Promise<void>;

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

/** Writes `total` bytes of `fill` after `head` and before `tail`, as fast as the client reads, stopping when it hangs up. */
async function bigBody(res: ServerResponse, head: string, tail: string, total: number): Promise<void> {
  res.write(head);
  const chunk = Buffer.alloc(1024 * 1024, "A");
  for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await Promise.race([once(res, "drain"), once(res, "close")]);
  }
  if (!res.destroyed) res.end(tail);
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

const chunk = (model: string, delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

const HANDLERS: Record<string, Handler> = {
  good: (_req, res, model) => json(res, 200, completion(model, { content: GOOD_ANSWER })),
  "number-content": (_req, res, model) => json(res, 200, completion(model, { content: 42 })),
  "object-content": (_req, res, model) => json(res, 200, completion(model, { content: { text: "hello" } })),
  "choices-object": (_req, res, model) => json(res, 200, { ...completion(model, { content: "x" }), choices: { 0: { message: { content: "x" } } } }),
  "choices-empty": (_req, res, model) => json(res, 200, { ...completion(model, { content: "x" }), choices: [] }),
  "choices-not-objects": (_req, res, model) => json(res, 200, { ...completion(model, { content: "x" }), choices: ["x"] }),
  "no-message": (_req, res, model) => json(res, 200, { ...completion(model, {}), choices: [{ index: 0, finish_reason: "stop" }] }),
  "bad-usage": (_req, res, model) => json(res, 200, completion(model, { content: "fine" }, { usage: { prompt_tokens: "five", completion_tokens: 2.5 } })),
  "lone-surrogate": (_req, res, model) => json(res, 200, JSON.stringify(completion(model, { content: "x" })).replace('"content":"x"', '"content":"bad \\ud800 text"')),
  "invalid-utf8": (_req, res, model) => {
    const [head, tail] = JSON.stringify(completion(model, { content: "@@" })).split("@@");
    const body = Buffer.concat([Buffer.from(head!), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(tail!)]);
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  },
  html: (_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!DOCTYPE html><html><body>Welcome to nginx!</body></html>");
  },
  // 200 with JSON headers, and no body at all.
  "headers-no-body": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 0 });
    res.end();
  },
  // Headers promising a body, a few bytes, then the connection closes.
  "headers-then-close": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 5000 });
    res.write('{"id":"x","choi');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  // 200 MB of content, sent as fast as it is read, without a length up front.
  huge: (_req, res, model) => {
    res.writeHead(200, { "content-type": "application/json" });
    const [head, tail] = JSON.stringify(completion(model, { content: "@@" })).split("@@");
    return bigBody(res, head!, tail!, 200 * 1024 * 1024);
  },
  "huge-announced": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 200 * 1024 * 1024 });
    res.end();
  },
  // Streams (the model's experiment sets stream: true).
  "stream-no-done": (_req, res, model) => {
    sse(res);
    res.write(chunk(model, { role: "assistant", content: "Half an ans" }));
    res.end(chunk(model, { content: "wer" }));
  },
  "stream-bad-utf8": (_req, res, model) => {
    sse(res);
    res.write(chunk(model, { content: "ok " }));
    res.write(Buffer.concat([Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}]}\n\n')]));
    res.end("data: [DONE]\n\n");
  },
  "stream-wrong-type": (_req, res, model) => {
    sse(res);
    res.write(chunk(model, { content: "ok " }));
    res.write(chunk(model, { content: 17 }));
    res.end("data: [DONE]\n\n");
  },
  "stream-huge": async (_req, res, model) => {
    sse(res);
    const piece = chunk(model, { content: "A".repeat(64 * 1024) });
    for (let sent = 0; sent < 200 * 1024 * 1024 && !res.destroyed; sent += piece.length) {
      if (!res.write(piece)) await Promise.race([once(res, "drain"), once(res, "close")]);
    }
    if (!res.destroyed) res.end("data: [DONE]\n\n");
  },
  "stream-good": (_req, res, model) => {
    sse(res);
    res.write(chunk(model, { role: "assistant", content: GOOD_ANSWER.slice(0, 50) }));
    res.write(chunk(model, { content: GOOD_ANSWER.slice(50) }, "stop"));
    res.end("data: [DONE]\n\n");
  },
  // The key echoed back: in an error message (as some gateways do), and inside a 200's answer.
  "echo-auth-error": (_req, res, _model, authorization) =>
    json(res, 400, { error: { message: `invalid request; headers were {"authorization": "${authorization}"} and key ${authorization.replace(/^Bearer /, "")}`, type: "BadRequestError", code: 400 } }),
  "echo-auth-answer": (_req, res, model, authorization) => json(res, 200, completion(model, { content: `You sent ${authorization}.` })),
};

export const HOSTILE_MODELS = Object.keys(HANDLERS);

export async function startHostileServer(): Promise<HostileServer> {
  const requests = new Map<string, number>();
  let total = 0;
  const server = createServer(async (req, res) => {
    total++;
    res.on("error", () => {}); // clients hang up on purpose
    const authorization = String(req.headers.authorization ?? "");
    if (req.method === "GET" && req.url?.endsWith("/models")) return json(res, 200, { object: "list", data: HOSTILE_MODELS.map((id) => ({ id, object: "model" })) });
    const chunks: Buffer[] = [];
    for await (const part of req) chunks.push(part as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { model?: string };
    const model = String(body.model ?? "");
    requests.set(model, (requests.get(model) ?? 0) + 1);
    const handler = HANDLERS[model];
    if (!handler) return json(res, 404, { error: { message: `no model ${model}`, type: "NotFoundError", code: 404 } });
    await handler(req, res, model, authorization);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    total: () => total,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
