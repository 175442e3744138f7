import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateMmVet } from "../benchmarks/scoring/mm-vet.ts";
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
    assert.ok("score" in grade, JSON.stringify(grade));
    assert.ok(grade.score >= 0 && grade.score <= 1 && Number.isInteger(grade.score * 10));
    assert.equal(grade.grader, `sim/grader/${MM_VET_GRADER_VERSION}`);
  }
  const asked = sim.stats().requests;
  assert.deepEqual(await gradeMmVet(answers, judge, cache), grades, "a regrade comes from the cache");
  assert.equal(sim.stats().requests, asked);

  const summary = aggregateMmVet(grades.map((g) => ({ capabilities: ["rec"], score: "score" in g ? g.score : null })));
  const mean = (100 * grades.reduce((sum, g) => sum + ("score" in g ? g.score : 0), 0)) / 12;
  assert.ok(Math.abs((summary.total.score ?? NaN) - mean) < 1e-9);
});

test("a judge that answers without a score is unparsed, and a failing judge is recorded as failed, never 0", async (t) => {
  const sim = await startSimulator({ models: [{ name: "sim/chatty", reasoning: "none", refusal_rate: 1 }] } as SimulatorConfig, { port: 0 });
  t.after(() => sim.close());
  const cache = new ResponseCache(await tempDir(t));
  const chatty = { endpoint: { id: "judge", baseUrls: [sim.url], concurrency: 2, stream: false }, model: "sim/chatty", endpointIdentity: "simulator" };
  const [unparsed] = await gradeMmVet(answers.slice(0, 1), chatty, cache);
  assert.ok(unparsed && "unparsed" in unparsed, JSON.stringify(unparsed));
  const [failed] = await gradeMmVet(answers.slice(0, 1), { ...chatty, model: "sim/missing" }, cache);
  assert.ok(failed && "failed" in failed && /http_404/.test(failed.error), JSON.stringify(failed));
});
