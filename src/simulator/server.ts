// The HTTP server: routes, injected faults, latency, streaming and counters. The per-request path
// does one sha256 and no logging, so that the simulator is never the bottleneck of a benchmark.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BatchApi } from "./batch.ts";
import { completionBody, completionChunks, resolveChat, SIMULATED_CREATED, SYSTEM_FINGERPRINT, type ChatReply } from "./chat.ts";
import { parseSimulatorConfig, type SimulatorConfig } from "./config.ts";
import { drawFault, FAULT_KINDS, sendFault, type FaultKind } from "./faults.ts";
import { FileStore, type JsonOutcome } from "./files.ts";
import { ServedModels } from "./fine-tuned.ts";
import { DEFAULT_FINE_TUNING_TIMINGS, FineTuningApi, type FineTuningTimings } from "./fine-tuning.ts";
import { apiError, parseJson, readBody, sendError, sendJson, SIMULATED_HEADERS } from "./http.ts";
import { drawLatency, namedRandom } from "./random.ts";

export interface SimulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  /** Chat requests by the `model` they named, faulted ones included. */
  byModel: Record<string, number>;
  faults: Record<FaultKind, number>;
  inFlight: number;
}

export interface RunningSimulator {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  stats(): SimulatorStats;
  /** Stops the server, ending hung requests, open streams and idle keep-alive sockets. */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, id: string) => Promise<void> | void;
interface Route {
  method: "GET" | "POST";
  path: RegExp;
  handle: Handler;
}

export async function startSimulator(
  config: SimulatorConfig,
  options: { host?: string; port?: number; fineTuning?: Partial<FineTuningTimings> } = {},
): Promise<RunningSimulator> {
  const checked = parseSimulatorConfig(config, "startSimulator config");
  // Fine-tuned `ft:` names of these models resolve to their trained behaviour (fine-tuned.ts).
  const models = new ServedModels(checked.models.map((model) => [model.name, model]));
  const faultRandom = namedRandom(`${checked.seed}\nfaults`);
  const latencyRandom = namedRandom(`${checked.seed}\nlatency`);
  const files = new FileStore();
  const batches = new BatchApi(checked, models, files);
  const fineTuning = new FineTuningApi(models, files, { ...DEFAULT_FINE_TUNING_TIMINGS, ...options.fineTuning });
  // Latency waits are plain timers cleared by close(): their handlers then never resume.
  const waits = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve();
      }, ms);
      waits.add(timer);
    });
  const stats: SimulatorStats = {
    requests: 0,
    byStatus: {},
    byModel: {},
    faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
    inFlight: 0,
  };

  async function chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (!body) return sendError(res, apiError(413, "Request body too large."));
    const json = parseJson(body.toString("utf8"));
    const model = json.ok ? (json.value as { model?: unknown } | null)?.model : undefined;
    if (typeof model === "string") stats.byModel[model] = (stats.byModel[model] ?? 0) + 1;

    const fault = drawFault(checked.faults, faultRandom);
    if (fault) {
      stats.faults[fault] += 1;
      return sendFault(fault, res, checked.faults);
    }
    if (!json.ok) return sendError(res, apiError(400, `Malformed JSON body: ${json.message}`));
    const result = resolveChat(json.value, checked.seed, models);
    if (!result.ok) return sendError(res, result.error);
    const latency = drawLatency(result.reply.model.latency_ms ?? checked.latency_ms, latencyRandom);
    if (result.reply.stream) return streamReply(res, result.reply, latency, sleep);
    if (latency >= 1) await sleep(latency);
    sendJson(res, 200, completionBody(result.reply));
  }

  async function jsonBody(req: IncomingMessage, res: ServerResponse, use: (value: unknown) => JsonOutcome): Promise<void> {
    const body = await readBody(req);
    const json = body ? parseJson(body.toString("utf8")) : undefined;
    if (!json) return sendError(res, apiError(413, "Request body too large."));
    if (!json.ok) return sendError(res, apiError(400, `Malformed JSON body: ${json.message}`));
    send(res, use(json.value));
  }

  const routes: Route[] = [
    { method: "GET", path: /^\/health$/, handle: (_req, res) => void res.writeHead(200, SIMULATED_HEADERS).end() },
    { method: "GET", path: /^\/v1\/models$/, handle: (_req, res) => sendJson(res, 200, modelList(checked)) },
    { method: "POST", path: /^\/v1\/chat\/completions$/, handle: chatCompletions },
    {
      method: "POST",
      path: /^\/v1\/files$/,
      handle: async (req, res) => {
        const body = await readBody(req);
        send(res, body ? await files.upload(req.headers["content-type"], body) : apiError(413, "Upload too large."));
      },
    },
    { method: "GET", path: /^\/v1\/files$/, handle: (req, res) => send(res, files.list(queryOf(req))) },
    { method: "GET", path: /^\/v1\/files\/([^/]+)$/, handle: (_req, res, id) => send(res, files.get(id)) },
    {
      method: "GET",
      path: /^\/v1\/files\/([^/]+)\/content$/,
      handle: (_req, res, id) => {
        const content = files.content(id);
        if (!Buffer.isBuffer(content)) return sendError(res, content);
        res.writeHead(200, { ...SIMULATED_HEADERS, "content-type": "application/octet-stream", "content-length": content.length });
        res.end(content);
      },
    },
    { method: "POST", path: /^\/v1\/batches$/, handle: (req, res) => jsonBody(req, res, (value) => batches.createBatch(value)) },
    { method: "GET", path: /^\/v1\/batches\/([^/]+)$/, handle: (_req, res, id) => send(res, batches.getBatch(id)) },
    { method: "POST", path: /^\/v1\/batches\/([^/]+)\/cancel$/, handle: (_req, res, id) => send(res, batches.cancelBatch(id)) },
    { method: "POST", path: /^\/v1\/fine_tuning\/jobs$/, handle: (req, res) => jsonBody(req, res, (value) => fineTuning.createJob(value)) },
    { method: "GET", path: /^\/v1\/fine_tuning\/jobs$/, handle: (req, res) => send(res, fineTuning.listJobs(queryOf(req))) },
    { method: "GET", path: /^\/v1\/fine_tuning\/jobs\/([^/]+)$/, handle: (_req, res, id) => send(res, fineTuning.getJob(id)) },
    { method: "GET", path: /^\/v1\/fine_tuning\/jobs\/([^/]+)\/events$/, handle: (req, res, id) => send(res, fineTuning.listEvents(id, queryOf(req))) },
    { method: "POST", path: /^\/v1\/fine_tuning\/jobs\/([^/]+)\/cancel$/, handle: (_req, res, id) => send(res, fineTuning.cancelJob(id)) },
  ];

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0]!;
    let pathKnown = false;
    for (const route of routes) {
      const match = route.path.exec(path);
      if (!match) continue;
      pathKnown = true;
      if (route.method === req.method) return route.handle(req, res, match[1] ?? "");
    }
    sendError(res, pathKnown ? apiError(405, `Method ${req.method} not allowed for ${path}.`) : apiError(404, `Not found: ${path}.`));
  }

  const server = createServer((req, res) => {
    stats.requests += 1;
    stats.inFlight += 1;
    res.once("finish", () => (stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1));
    res.once("close", () => (stats.inFlight -= 1));
    dispatch(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, apiError(500, `Simulator error: ${error instanceof Error ? error.message : String(error)}`));
    });
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/v1`,
    port,
    stats: () => structuredClone(stats),
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        for (const timer of waits) clearTimeout(timer);
        batches.close();
        fineTuning.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })),
  };
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? "/", "http://simulator").searchParams;
}

function send(res: ServerResponse, outcome: JsonOutcome): void {
  sendJson(res, outcome.status, outcome.body);
}

/** Latency pauses per stream: enough for a client to see text arrive over time, few enough that
 * thousands of concurrent streams do not flood the server with timers and small writes. */
const STREAM_BURSTS = 8;

/** Server-sent events in bursts, the drawn latency spread evenly before them. */
async function streamReply(res: ServerResponse, reply: ChatReply, latency: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  res.writeHead(200, { ...SIMULATED_HEADERS, "content-type": "text/event-stream", "cache-control": "no-cache" });
  const events = completionChunks(reply).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
  events.push("data: [DONE]\n\n");
  const bursts = Math.min(STREAM_BURSTS, events.length);
  for (let burst = 0; burst < bursts; burst++) {
    if (latency >= 1) await sleep(latency / bursts);
    if (res.destroyed) return; // the client went away
    const from = Math.floor((burst * events.length) / bursts);
    const to = Math.floor(((burst + 1) * events.length) / bursts);
    res.write(events.slice(from, to).join(""));
  }
  res.end();
}

function modelList(config: SimulatorConfig): object {
  return {
    object: "list",
    data: config.models.map((model) => ({
      id: model.name,
      object: "model",
      created: SIMULATED_CREATED,
      owned_by: SYSTEM_FINGERPRINT,
      root: model.name,
      parent: null,
    })),
  };
}
