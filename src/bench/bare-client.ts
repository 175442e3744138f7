// The floor a benchmark's request phase is measured against: the same image requests sent by the
// least a Node client can do (node:http with keep-alive, each file read and base64-encoded when its
// request leaves, the body written in three pieces), in a process of its own, to the same simulator
// on the same cores. No openai client, cache, checks or tables: whatever thinksafe takes beyond this
// is its own overhead; this much is the machine's.
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";

export interface BareRun {
  /** The simulator's API root, ending in /v1. */
  url: string;
  model: string;
  /** One request for each of the files `<dir>/0.png` … `<dir>/<count − 1>.png`. */
  dir: string;
  count: number;
  concurrency: number;
}

export interface BareMeasure {
  wallMs: number;
  cpuMs: number;
}

export async function sendBare(run: BareRun): Promise<BareMeasure> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.concurrency });
  const url = new URL(`${run.url.replace(/\/$/, "")}/chat/completions`);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < run.count; i = next++) {
      const base64 = readFileSync(join(run.dir, `${i}.png`)).toString("base64");
      const head = `{"model":${JSON.stringify(run.model)},"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,`;
      const tail = `"}},{"type":"text","text":"Describe image number ${i}, step by step."}]}]}`;
      await new Promise<void>((resolve, reject) => {
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
    }
  };
  await Promise.all(Array.from({ length: run.concurrency }, worker));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

// Forked by the benchmarks (processes.ts `runBareClient`): one run, its measure sent back.
process.once("message", async (command: { type: "run"; run: BareRun }) => {
  try {
    process.send!({ type: "done", measure: await sendBare(command.run) });
  } catch (error) {
    process.send!({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
  process.disconnect();
});
