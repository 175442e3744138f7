// The floors a benchmark's request phase is measured against: the same image requests, each file
// read when its request leaves, in a process of its own, to the same simulator on the same cores,
// sent by
// - "node:http": the least a Node client can do (keep-alive, the body written in three pieces);
// - "openai": the openai client through thinksafe's transport and body encoding (provider.ts), the
//   request path every thinksafe request takes, without the runner, cache, checks or tables.
// What the eval takes beyond the second is thinksafe's own overhead; the first is the machine's.
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { answerOneRun } from "./child-run.ts";
import { DataUri } from "../runner/json-body.ts";
import { chatCompletion, createClient } from "../runner/provider.ts";

export interface FloorRun {
  client: "node:http" | "openai";
  /** The simulator's API root, ending in /v1. */
  url: string;
  model: string;
  /** One request for each of the files `<dir>/0.png` … `<dir>/<count − 1>.png`. */
  dir: string;
  count: number;
  concurrency: number;
}

export interface FloorMeasure {
  wallMs: number;
  cpuMs: number;
}

export async function sendFloor(run: FloorRun): Promise<FloorMeasure> {
  const send = run.client === "openai" ? openaiSender(run) : httpSender(run);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < run.count; i = next++) await send.request(i, readFileSync(join(run.dir, `${i}.png`)));
  };
  await Promise.all(Array.from({ length: run.concurrency }, worker));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  send.close();
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const text = (i: number) => `Describe image number ${i}, step by step.`;

interface Sender {
  request(i: number, png: Buffer): Promise<void>;
  close(): void;
}

function openaiSender(run: FloorRun): Sender {
  const client = createClient(run.url, undefined);
  return {
    request: async (i, png) => {
      const content = [{ type: "image_url", image_url: { url: new DataUri("image/png", png) } }, { type: "text", text: text(i) }];
      await chatCompletion(client, { model: run.model, messages: [{ role: "user", content }] }, { timeoutMs: 60_000, stream: false });
    },
    close: () => {},
  };
}

function httpSender(run: FloorRun): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.concurrency });
  const url = new URL(`${run.url.replace(/\/$/, "")}/chat/completions`);
  return {
    request: (i, png) => {
      const base64 = png.toString("base64");
      const head = `{"model":${JSON.stringify(run.model)},"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,`;
      const tail = `"}},{"type":"text","text":${JSON.stringify(text(i))}}]}]}`;
      return new Promise<void>((resolve, reject) => {
        const request = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(head) + base64.length + Buffer.byteLength(tail) } }, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`));
            JSON.parse(Buffer.concat(chunks).toString("utf8"));
            resolve();
          });
          response.on("error", reject);
        });
        request.on("error", reject);
        request.write(head);
        request.write(base64, "latin1");
        request.end(tail);
      });
    },
    close: () => agent.destroy(),
  };
}

// Forked by the benchmarks (processes.ts `runFloorClient`).
answerOneRun(sendFloor);
