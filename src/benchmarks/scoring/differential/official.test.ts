// The differential test: thinksafe's scoring rules against the decisions the official evaluators
// took on the same answers (fixtures/official-decisions.json, recorded by record-official.py from
// upstream's code at the commits in its provenance). The cases are regenerated from the recorded
// seed, so the fixture holds only the decisions; a generator that no longer gives the recorded
// cases fails here and must be re-recorded.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { mmVetGraderAttempt, mmVetStep, parseMmVetReply } from "../mm-vet.ts";
import { scoreMmmu } from "../mmmu.ts";
import { mmstarCorrect, parseMultiChoiceResponse } from "../multiple-choice.ts";
import { popeAnswer } from "../pope.ts";
import { casesHash, generateCases, readMmmuValItems, type DifferentialCase } from "./cases.ts";

type JsonNumber = number | "nan" | "inf" | "-inf";
type Expected =
  | { choice: string | null; correct?: boolean } // mmmu-mc: null = upstream's random fallback
  | { parsed: Array<{ f: JsonNumber } | { s: string }>; correct: boolean } // mmmu-open
  | { correct: boolean } // mmstar
  | { answer: "yes" | "no" } // pope
  | { score: JsonNumber; requests: Array<{ temperature: number; max_tokens: number; reask: boolean }> }; // mm-vet

interface OfficialDecisions {
  provenance: { cases: { seed: string; n: number; sha256: string }; upstream: Record<string, { repo: string; commit: string; path: string }> };
  expected: Record<string, Expected>;
}

const official = JSON.parse(readFileSync(new URL("../fixtures/official-decisions.json", import.meta.url), "utf8")) as OfficialDecisions;
const mmmu = readMmmuValItems();
const cases = generateCases(official.provenance.cases.seed, undefined, mmmu);

function number(value: JsonNumber): number {
  return value === "nan" ? NaN : value === "inf" ? Infinity : value === "-inf" ? -Infinity : value;
}

/** A parsed open prediction as a set key (Python's set holds 0.0 and -0.0 once). */
function predictionKey(value: string | number | { f: JsonNumber } | { s: string }): string {
  if (typeof value === "object") return "f" in value ? predictionKey(number(value.f)) : predictionKey(value.s);
  return typeof value === "string" ? `s:${value}` : `f:${Object.is(value, -0) ? 0 : value}`;
}

/** A gold answer as thinksafe's samples carry it: a list in the Python literal form of MMMU's Hugging Face export. */
function goldText(gold: string | string[]): string {
  return Array.isArray(gold) ? `[${gold.map((g) => `'${g}'`).join(", ")}]` : gold;
}

/** For each case, whether thinksafe decides as upstream did, and what differs when not. */
function compare(c: DifferentialCase, expected: Expected): string | null {
  switch (c.suite) {
    case "mmmu-mc": {
      const e = expected as { choice: string | null; correct?: boolean };
      const item = mmmu.items[c.item]!;
      const parsed = parseMultiChoiceResponse(c.response, item.options!, c.id);
      if (e.choice === null) return parsed.method === "random" ? null : `upstream fell back to random, thinksafe read ${parsed.choice} (${parsed.method})`;
      const { correct } = scoreMmmu({ reference: { answer: goldText(item.answer), options: item.options! }, response: c.response, seed: c.id });
      if (parsed.method === "random" || parsed.choice !== e.choice) return `upstream read ${e.choice}, thinksafe ${parsed.choice} (${parsed.method})`;
      return correct === e.correct ? null : `verdict ${correct}, upstream ${e.correct}`;
    }
    case "mmmu-open": {
      const e = expected as { parsed: Array<{ f: JsonNumber } | { s: string }>; correct: boolean };
      const gold = "gold" in c ? c.gold : mmmu.items[c.item]!.answer;
      const { correct, predictions } = scoreMmmu({ reference: { answer: goldText(gold) }, response: c.response, seed: c.id });
      const ours = [...new Set(predictions!.map(predictionKey))].sort();
      const theirs = [...new Set(e.parsed.map(predictionKey))].sort();
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) return `parsed ${JSON.stringify(ours)}, upstream ${JSON.stringify(theirs)}`;
      return correct === e.correct ? null : `verdict ${correct}, upstream ${e.correct}`;
    }
    case "mmstar": {
      const ours = mmstarCorrect(c.prediction, c.answer);
      return ours === (expected as { correct: boolean }).correct ? null : `verdict ${ours}`;
    }
    case "pope": {
      const ours = popeAnswer(c.answer);
      return ours === (expected as { answer: string }).answer ? null : `read ${ours}`;
    }
    case "mm-vet": {
      const e = expected as { score: JsonNumber; requests: Array<{ temperature: number; max_tokens: number; reask: boolean }> };
      // thinksafe's requests, replying from the script as upstream's client did.
      const sent: Array<{ temperature: number; max_tokens: number; reask: boolean }> = [];
      let step = mmVetStep([]);
      while (step.next === "ask") {
        const request = mmVetGraderAttempt({ question: "Q", answer: "A" }, "P", step.attempt);
        sent.push({ temperature: request.temperature, max_tokens: request.max_tokens, reask: step.attempt > 0 });
        step = mmVetStep(c.replies.slice(0, sent.length));
      }
      const score = step.next === "done" ? step.score : 0;
      if (!Object.is(score, number(e.score)) && !(score === 0 && number(e.score) === 0)) return `score ${score}, upstream ${e.score}`;
      // Upstream sends a fifth re-ask after the fifth unread reply and never reads it; thinksafe does not send it.
      const theirs = step.next === "zero" ? e.requests.slice(0, -1) : e.requests;
      if (step.next === "zero" && JSON.stringify(e.requests.at(-1)) !== JSON.stringify({ temperature: 2, max_tokens: 3, reask: true })) return "upstream's last request is not its unread fifth re-ask";
      return JSON.stringify(sent) === JSON.stringify(theirs) ? null : `requests ${JSON.stringify(sent)}, upstream ${JSON.stringify(theirs)}`;
    }
  }
}

describe(`the official evaluators' decisions (${official.provenance.cases.n} cases from seed ${official.provenance.cases.seed})`, () => {
  test("the generator still gives the recorded cases", () => {
    assert.equal(cases.length, official.provenance.cases.n);
    assert.equal(casesHash(cases), official.provenance.cases.sha256, "the generator changed: re-record the fixture (fixtures/README.md)");
  });

  const suites = [
    ["mmmu-mc", "mmmu"],
    ["mmmu-open", "mmmu"],
    ["mmstar", "mmstar"],
    ["pope", "pope"],
    ["mm-vet", "mm-vet"],
  ] as const;
  for (const [suite, source] of suites) {
    const { repo, commit, path } = official.provenance.upstream[source]!;
    test(`${suite}: 100% identical decisions to ${repo}@${commit.slice(0, 7)} ${path}`, () => {
      const ofSuite = cases.filter((c) => c.suite === suite);
      const differing = ofSuite.flatMap((c) => {
        const difference = compare(c, official.expected[c.id]!);
        return difference ? [`${c.id} ${JSON.stringify("response" in c ? c.response : c)}: ${difference}`] : [];
      });
      const identical = ((ofSuite.length - differing.length) / ofSuite.length) * 100;
      assert.deepEqual(differing.slice(0, 15), [], `${identical.toFixed(2)}% of ${ofSuite.length} identical`);
      assert.ok(ofSuite.length > 1000);
    });
  }

  test("mm-vet: every reply upstream read is read the same way (a score, the same score, or unread)", () => {
    let read = 0;
    for (const c of cases) {
      if (c.suite !== "mm-vet") continue;
      const e = official.expected[c.id] as { score: JsonNumber; requests: unknown[] };
      // Upstream read the replies before its last request, and that one too unless it was the unread sixth.
      const readCount = Math.min(e.requests.length, 5);
      const gaveUp = e.requests.length === 6;
      for (let i = 0; i < readCount; i++) {
        const ours = parseMmVetReply(c.replies[i]);
        const theirs = i === readCount - 1 && !gaveUp ? { score: number(e.score) } : { unread: true };
        read++;
        if ("score" in theirs) assert.ok("score" in ours && Object.is(ours.score, theirs.score), `${c.id} reply ${i} ${JSON.stringify(c.replies[i])}: upstream ${theirs.score}`);
        else assert.ok("unread" in ours, `${c.id} reply ${i} ${JSON.stringify(c.replies[i])}: upstream could not read it, thinksafe read ${JSON.stringify(ours)}`);
      }
    }
    assert.ok(read > 3000, `${read} replies`);
  });
});
