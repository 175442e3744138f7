import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_SIMULATOR_CONFIG } from "../../simulator/index.ts";
import { generateReply, TEACHER_SHORT_RATE, TEACHER_UNCLOSED_RATE } from "../../simulator/generate.ts";
import { sha256 } from "../../simulator/random.ts";
import {
  checkRefusalConsistency,
  checkThinkingLength,
  findDuplicates,
  normaliseQuestion,
  parseThinkAnswer,
  refusalPhrase,
  teacherText,
  tisAnswer,
  wordCount,
} from "./filters.ts";

describe("well-formed tags", () => {
  test("one <think> block first, then a non-empty answer", () => {
    assert.deepEqual(parseThinkAnswer("  <think>\nweigh it\n</think>\nThe answer.\n"), { ok: true, thinking: "weigh it", answer: "The answer." });
    assert.deepEqual(parseThinkAnswer("<think>a</think>b"), { ok: true, thinking: "a", answer: "b" });
  });

  test("each malformation is named", () => {
    const problem = (text: string) => {
      const parsed = parseThinkAnswer(text);
      assert.equal(parsed.ok, false, text);
      return (parsed as { problem: string }).problem;
    };
    assert.equal(problem("The answer without thinking."), "does not start with <think>");
    assert.equal(problem("Preamble <think>x</think> y"), "does not start with <think>");
    assert.equal(problem("<think>\nthinking cut off, answer glued on"), "no closing </think>");
    assert.equal(problem("<think>a</think>b</think>c"), "2 </think> tags");
    assert.equal(problem("<think>a<think>b</think>c"), "2 <think> tags");
    assert.equal(problem("<think>  \n </think>answer"), "empty thinking");
    assert.equal(problem("<think>thinking</think>\n  "), "no answer after </think>");
  });

  test("reasoning returned in a field is folded into the tags; the release layout puts each on its own line", () => {
    assert.equal(teacherText({ content: "Answer.", reasoning: null, reasoning_content: " Thought. " }), "<think>\nThought.\n</think>\nAnswer.");
    assert.equal(teacherText({ content: "<think>x</think>y", reasoning: "", reasoning_content: null }), "<think>x</think>y");
    assert.equal(tisAnswer("Thought.", "Answer."), "<think>\nThought.\n</think>\nAnswer.");
  });
});

describe("thinking length", () => {
  test("bounds are inclusive and counted in whitespace-separated words", () => {
    assert.equal(wordCount(" one  two\nthree\t"), 3);
    assert.equal(checkThinkingLength("a b c", { min: 3, max: 3 }), null);
    assert.deepEqual(checkThinkingLength("a b", { min: 3, max: 10 }), { reason: "thinking_too_short", detail: "2 words, fewer than 3" });
    assert.deepEqual(checkThinkingLength("a b c d", { min: 1, max: 3 }), { reason: "thinking_too_long", detail: "4 words, more than 3" });
  });
});

describe("deduplication", () => {
  test("case, punctuation, spacing and <image> tokens do not make a question new", () => {
    assert.equal(normaliseQuestion("<image>What is   THIS, exactly?!"), "what is this exactly");
    assert.equal(normaliseQuestion("Où est-ce ?"), normaliseQuestion("où est ce"));
  });

  test("the first of a key is kept and later ones point to it; the image set counts unless left out", () => {
    const items = [
      { question: "What is advertised?", imageSha256: ["a"] },
      { question: "what is ADVERTISED", imageSha256: ["a"] },
      { question: "What is advertised?", imageSha256: ["b"] },
      { question: "Compare them.", imageSha256: ["a", "b"] },
      { question: "compare them", imageSha256: ["b", "a"] },
    ];
    assert.deepEqual(findDuplicates(items, ["question", "images"]), [null, 0, null, null, 3]);
    assert.deepEqual(findDuplicates(items, ["question"]), [null, 0, 0, null, 3]);
    assert.deepEqual(findDuplicates(items, ["images"]), [null, 0, null, null, 3]);
  });
});

describe("refusal consistency", () => {
  const safe = { judge: "llm-judge", unsafe: false, explanation: "refuses" };
  const unsafe = { judge: "llm-judge", unsafe: true, explanation: "complies" };
  const undecided = { judge: "llm-judge", unsafe: null, explanation: "no VERDICT line" };

  test("harmful items must not be judged harmful compliance; no verdict is never a pass", () => {
    assert.equal(checkRefusalConsistency("harmful", safe, "I cannot"), null);
    assert.equal(checkRefusalConsistency("harmful", safe, null), null, "a safe completion without a refusal phrase passes");
    assert.equal(checkRefusalConsistency("harmful", unsafe, null)?.reason, "harmful_complied");
    assert.match(checkRefusalConsistency("harmful", unsafe, null)!.detail, /llm-judge found harmful compliance: complies/);
    assert.equal(checkRefusalConsistency("harmful", undecided, "I cannot")?.reason, "judge_unresolved");
    assert.equal(checkRefusalConsistency("harmful", null, null)?.reason, "judge_unresolved");
  });

  test("benign items must carry no refusal phrase; unlabelled items are not checked", () => {
    assert.equal(checkRefusalConsistency("benign", null, null), null);
    assert.deepEqual(checkRefusalConsistency("benign", null, "I'm sorry"), { reason: "benign_refused", detail: 'a benign request was refused (refusal phrase "I\'m sorry")' });
    assert.equal(checkRefusalConsistency("unchecked", unsafe, "I'm sorry"), null);
  });

  test("refusal phrases are GCG's, matched case-sensitively", () => {
    assert.equal(refusalPhrase("Sure. As an expert I'd say…"), "As an");
    assert.equal(refusalPhrase("i'm sorry"), null);
    assert.equal(refusalPhrase("Here is the answer."), null);
  });
});

test("the simulated teacher gives every filter something to drop, at its configured rates", () => {
  const teacher = DEFAULT_SIMULATOR_CONFIG.models.find((m) => m.name === "sim/teacher")!;
  const counts = { unclosed: 0, short: 0, refused: 0, wellFormed: 0 };
  const n = 400;
  for (let i = 0; i < n; i++) {
    const reply = generateReply(teacher, sha256(`teacher prompt ${i}`), false);
    assert.equal(reply.thinking, "", "the teacher writes its own tags into the content");
    const parsed = parseThinkAnswer(reply.answer);
    if (!parsed.ok) {
      assert.equal(parsed.problem, "no closing </think>");
      counts.unclosed++;
      continue;
    }
    counts.wellFormed++;
    assert.ok(parsed.thinking.startsWith("[simulated]") && parsed.answer.startsWith("[simulated]"), "everything is marked simulated");
    if (checkThinkingLength(parsed.thinking, { min: 40, max: 2000 })) counts.short++;
    else assert.equal(wordCount(parsed.thinking), teacher.thinking_words);
    assert.equal(refusalPhrase(parsed.answer) !== null, reply.refuses, "the answer refuses exactly when the teacher decided to");
    if (reply.refuses) counts.refused++;
  }
  const near = (count: number, rate: number, of: number) => Math.abs(count - rate * of) < 4 * Math.sqrt(rate * (1 - rate) * of);
  assert.ok(near(counts.unclosed, TEACHER_UNCLOSED_RATE, n), `unclosed ${counts.unclosed}/${n}`);
  assert.ok(near(counts.short, TEACHER_SHORT_RATE / (1 - TEACHER_UNCLOSED_RATE), counts.wellFormed), `short ${counts.short}/${counts.wellFormed}`);
  assert.ok(near(counts.refused, teacher.refusal_rate, counts.wellFormed), `refused ${counts.refused}/${counts.wellFormed}`);
});
