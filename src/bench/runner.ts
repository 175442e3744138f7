// `npm run bench:runner`: N requests against the simulator at a fixed latency L and concurrency C.
// The ideal wall time is N·L/C (every slot always busy, zero overhead); the ratio to it is the
// runner's overhead. Then the same requests again, which must come from the cache with no request.
//   npm run bench:runner -- --requests 20000 --latency 50 --concurrency 64
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ResponseCache } from "../runner/cache.ts";
import { Progress } from "../runner/progress.ts";
import { runWork, type WorkItem } from "../runner/run.ts";
import { benchSimulatorConfig, startBenchSimulator } from "./processes.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    latency: { type: "string", default: "50" },
    concurrency: { type: "string", default: "64" },
  },
});
const n = Number(values.requests);
const latencyMs = Number(values.latency);
const concurrency = Number(values.concurrency);

const simulator = await startBenchSimulator(benchSimulatorConfig(latencyMs));
const { url } = simulator;
const requestsSent = () => simulator.chatRequests();

const cacheDir = await mkdtemp(join(tmpdir(), "thinksafe-bench-"));
const items: WorkItem[] = Array.from({ length: n }, (_, i) => ({
  key: i.toString(16).padStart(64, "0"),
  endpoint: "sim",
  body: () => ({ model: "sim/bench", messages: [{ role: "user", content: `benchmark prompt ${i}` }], max_tokens: 256 }),
}));
const endpoints = [{ id: "sim", baseUrls: [url], concurrency, stream: false }];

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);

const run = async (label: string) => {
  const progress = new Progress(n, process.stderr, label);
  const started = performance.now();
  const cache = new ResponseCache(cacheDir);
  const results = await runWork(items, endpoints, {
    cache,
    timeoutMs: 30_000,
    maxAttempts: 3,
    onResult: (_item, result) => progress.record(result),
  });
  cache.close();
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`${progress.finish()}\n`);
  const failed = results.filter((r) => !r.ok).length;
  if (failed) throw new Error(`${failed} requests failed`);
  return seconds;
};

try {
  const ideal = (n * latencyMs) / 1000 / concurrency;
  const wall = await run("bench");
  const sentFirst = await requestsSent();
  const cachedWall = await run("cached");
  const sentCached = (await requestsSent()) - sentFirst;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  const rows = [
    ["requests", n.toLocaleString("en-US")],
    ["latency", `${latencyMs} ms`],
    ["concurrency", String(concurrency)],
    ["wall time", `${wall.toFixed(2)} s`],
    ["ideal N·L/C", `${ideal.toFixed(2)} s`],
    ["ratio to ideal", `${(wall / ideal).toFixed(3)}×`],
    ["throughput", `${(n / wall).toFixed(0)} requests/s`],
    ["peak memory (runner)", `${(peakRss / 2 ** 20).toFixed(0)} MB`],
    ["cached rerun", `${cachedWall.toFixed(2)} s, ${sentCached} requests sent`],
  ];
  console.log(rows.map(([k, v]) => `${k!.padEnd(22)} ${v}`).join("\n"));
} finally {
  clearInterval(sampler);
  simulator.close();
  await rm(cacheDir, { recursive: true, force: true });
}

