import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { test, type TestContext } from "node:test";
import { aggregateMmVet, MM_VET_REASK_SUFFIX } from "../benchmarks/scoring/mm-vet.ts";
import { ResponseCache } from "../runner/cache.ts";
import { startSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { tempDir } from "../test-support.ts";
import { gradeMmVet, MM_VET_GRADER_VERSION, type MmVetAnswer } from "./grade-mm-vet.ts";

const answers: MmVetAnswer[] = Array.from({ length: 12 }, (_, i) => ({
  sampleId: `v1_${i}`,
  question: `What is shown in picture ${i}?`,
  reference: i % 2 ? "cat<OR>kitten" : "2<AND>blue",
  answer: `It is answer ${i}.`,
}));

test("MM-Vet answers are graded through an OpenAI-compatible judge, cached, and aggregate as upstream", async (t) => {
  const sim = await startSimulator({ models: [{ name: "sim/grader", reasoning: "none", role: "grader", refusal_rate: 0 }] } as SimulatorConfig, { port: 0 });
  t.after(() => sim.close());
  const cache = new ResponseCache(await tempDir(t));
  const judge = { endpoint: { id: "judge", baseUrls: [sim.url], concurrency: 4, stream: false }, model: "sim/grader", endpointIdentity: "simulator" };

  const grades = await gradeMmVet(answers, judge, cache);
  assert.equal(grades.length, 12);
  for (const grade of grades) {
    assert.ok(grade.outcome === "graded", JSON.stringify(grade));
    assert.ok(grade.score >= 0 && grade.score <= 1 && Number.isInteger(grade.score * 10));
    assert.equal(grade.reasks, 0, "the simulated grader's \"0.7 [simulated]\" is read at once");
    assert.equal(grade.grader, `sim/grader/${MM_VET_GRADER_VERSION}`);
  }
  const asked = sim.stats().requests;
  assert.deepEqual(await gradeMmVet(answers, judge, cache), grades, "a regrade comes from the cache");
  assert.equal(sim.stats().requests, asked);

  const summary = aggregateMmVet(grades.map((g) => ({ capabilities: ["rec"], score: "score" in g ? g.score : null })));
  const mean = (100 * grades.reduce((sum, g) => sum + ("score" in g ? g.score : 0), 0)) / 12;
  assert.ok(Math.abs((summary.total.score ?? NaN) - mean) < 1e-9);
});

test("a judge that never gives a score gets upstream's 0.0 after five replies; a failing judge is recorded as failed, never 0", async (t) => {
  const sim = await startSimulator({ models: [{ name: "sim/chatty", reasoning: "none", refusal_rate: 1 }] } as SimulatorConfig, { port: 0 });
  t.after(() => sim.close());
  const cache = new ResponseCache(await tempDir(t));
  const chatty = { endpoint: { id: "judge", baseUrls: [sim.url], concurrency: 2, stream: false }, model: "sim/chatty", endpointIdentity: "simulator" };
  const [zero] = await gradeMmVet(answers.slice(0, 1), chatty, cache);
  assert.ok(zero?.outcome === "zero" && zero.score === 0 && zero.reasks === 4 && zero.replies.length === 5, JSON.stringify(zero));
  assert.equal(sim.stats().requests, 5, "the ask and four re-asks, each its own request (none answered from the cache)");
  const [failed] = await gradeMmVet(answers.slice(0, 1), { ...chatty, model: "sim/missing" }, cache);
  assert.ok(failed?.outcome === "failed" && /http_404/.test(failed.error), JSON.stringify(failed));
});

/** A grader that answers each prediction from a script, by attempt (read from the suffix and temperature, as upstream varies them). */
async function scriptedGrader(t: TestContext, script: Record<string, string[]>) {
  const requests: Array<{ prediction: string; attempt: number; temperature: number }> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const request = JSON.parse(body) as { messages: { content: string }[]; temperature: number; max_tokens: number };
      const content = request.messages[0]!.content;
      const reask = content.endsWith(MM_VET_REASK_SUFFIX);
      const row = (reask ? content.slice(0, -MM_VET_REASK_SUFFIX.length) : content).split("\n").at(-1)!;
      const prediction = row.split(" | ")[2]!;
      const attempt = reask ? 1 + request.temperature / 0.5 : 0;
      requests.push({ prediction, attempt, temperature: request.temperature });
      const reply = script[prediction]![attempt] ?? "unscripted";
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ id: "x", object: "chat.completion", created: 0, model: "scripted", choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }] }));
    });
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return { requests, judge: { endpoint: { id: "judge", baseUrls: [url], concurrency: 2, stream: false }, model: "scripted", endpointIdentity: url } };
}

test("yuweihao/MM-Vet@acde843 mm-vet_evaluator.py L225–275: re-asks until a reply reads, through the cache, each re-ask its own key", async (t) => {
  const script: Record<string, string[]> = {
    comma: ["0,5", "0.5"],
    scientific: ["1e-1"],
    "leading space": [" 0.5", "Correct", "0.0.", "x", "0.9"],
    never: ["a", "b", "c", "d", "e", "1.0"],
    nan: ["nan"],
  };
  const { requests, judge } = await scriptedGrader(t, script);
  const cache = new ResponseCache(await tempDir(t));
  const items = Object.keys(script).map((prediction, i) => ({ sampleId: `v1_${i}`, question: "Q?", reference: "R", answer: prediction }));
  const grades = await gradeMmVet(items, judge, cache);
  const summary = grades.map((g) => [g.outcome, "score" in g ? g.score : null, g.reasks]);
  assert.deepEqual(summary, [
    ["graded", 0.5, 1],
    ["graded", 0.1, 0],
    ["graded", 0.9, 4],
    ["zero", 0, 4],
    ["graded", NaN, 0],
  ]);
  const never = requests.filter((r) => r.prediction === "never");
  assert.deepEqual(never.map((r) => [r.attempt, r.temperature]), [[0, 0], [1, 0], [2, 0.5], [3, 1], [4, 1.5]], "upstream's fifth re-ask, whose reply it never reads, is not sent");
  assert.equal(requests.length, 2 + 1 + 5 + 5 + 1);
  const asked = requests.length;
  assert.deepEqual(await gradeMmVet(items, judge, cache), grades, "a regrade reads every attempt from the cache");
  assert.equal(requests.length, asked);
});
