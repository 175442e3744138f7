import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseProfile, renderLayout, requestShape, thinkingSlots, type Profile } from "./profile.ts";
import { DEFAULT_PROFILE_ID, PROFILE_IDS, PROFILES, getProfile, splitDialogue, splitThinking } from "./index.ts";

const ISSUE_IDS = [
  "r1-onevision", "mm-eureka", "openvlthinker", "vl-rethinker", "llava-cot", "llamav-o1", "mulberry", "kimi-vl-thinking", "qvq",
  "qwen-vl", "llama-vision", "kimi-vl-instruct", "think-tags", "prefilled-think",
  "glm-4.1v-thinking", "mimo-vl", "internvl3.5-thinking", "vision-r1", "vlm-r1", "r1-vl", "qwen3-vl-thinking", "skywork-r1v",
];

// Words a model could write, none of them a marker of any profile.
const PARTS = ["First I read the request and the image carefully.", "The picture shows a printed list of steps.", "Helping would cause harm, so I decline politely."];
const ANSWER = "I cannot help with that, but here is general safety information.";

const single = PROFILES.filter((p): p is Profile & { exchange: { kind: "single" } } => p.exchange.kind === "single");

describe("the shipped profiles", () => {
  test("every family the issue names has a profile, and the default is today's behaviour", () => {
    assert.deepEqual([...PROFILE_IDS].sort(), [...ISSUE_IDS].sort());
    assert.equal(DEFAULT_PROFILE_ID, "think-tags");
    assert.deepEqual(getProfile("think-tags").rules.map((r) => r.id), ["think_tags", "structured_tags"]);
  });

  test("every profile cites a source and names its unconfirmed parts as text", () => {
    for (const profile of PROFILES) {
      assert.ok(profile.sources.length > 0, profile.id);
      for (const source of profile.sources) assert.match(source.ref, /@[0-9a-f]{7}|https:\/\/|team notes/, `${profile.id}: ${source.ref}`);
      for (const part of profile.unconfirmed) assert.ok(part.length > 10, profile.id);
    }
  });

  test("a model name belongs to one profile", () => {
    const owners = new Map<string, string>();
    for (const profile of PROFILES) {
      for (const model of profile.models) {
        assert.equal(owners.get(model), undefined, `${model} is in ${owners.get(model)} and ${profile.id}`);
        owners.set(model, profile.id);
      }
    }
  });

  test("a malformed record fails naming the profile and the field", () => {
    const base = { ...getProfile("mm-eureka"), id: "broken" };
    assert.throws(() => parseProfile({ ...base, sources: [] }), /profile "broken": sources: a profile needs at least one source/);
    assert.throws(() => parseProfile({ ...base, exchange: { kind: "single", user: "no slot", layout: "{thinking}{answer}" } }), /profile "broken": exchange: the first user message must hold \{question\} exactly once/);
    assert.throws(() => parseProfile({ ...base, models: [] }), /profile "broken": models: name the models/);
    const turns = getProfile("llamav-o1").exchange;
    assert.ok(turns.kind === "dialogue");
    assert.throws(() => parseProfile({ ...getProfile("llamav-o1"), exchange: { ...turns, turns: [...turns.turns].reverse() } }), /the first user message must hold|thinking turns followed by one answer turn/);
  });

  test("only profiles that change the request add to the cache key", () => {
    assert.equal(requestShape(getProfile("think-tags")), null);
    assert.equal(requestShape(getProfile("kimi-vl-thinking")), null);
    assert.deepEqual(requestShape(getProfile("vl-rethinker")), { user_template: "{question}\n\nPlease reason step by step, and put your final answer within \\boxed{}" });
    assert.equal((requestShape(getProfile("llamav-o1")) as { dialogue: unknown[] }).dialogue.length, 4);
  });
});

/** The reply a family writes for PARTS and ANSWER, as its layout says. */
function reply(profile: Profile & { exchange: { kind: "single" } }): string {
  return renderLayout(profile.exchange.layout, PARTS.slice(0, thinkingSlots(profile.exchange.layout)), ANSWER);
}

describe("every single-turn profile splits its own replies", () => {
  for (const profile of single) {
    const slots = thinkingSlots(profile.exchange.layout);
    test(`${profile.id}: a complete reply`, () => {
      const text = reply(profile);
      const split = splitThinking({ content: text }, "stop", profile.rules);
      if (profile.separation.kind === "none") {
        assert.deepEqual(split, { thinking: null, answer: text.trim(), reasoningSource: "none", thinkingComplete: true });
        return;
      }
      assert.equal(split.answer, ANSWER);
      assert.equal(split.thinkingComplete, true);
      assert.equal(split.reasoningSource, (profile.rules[0] ?? getProfile("think-tags").rules[0]!).id);
      // Every thinking part is in the thinking, in order; no answer text and no removed marker is.
      let from = 0;
      for (const part of PARTS.slice(0, slots)) {
        const at = split.thinking!.indexOf(part, from);
        assert.ok(at >= from, `${profile.id}: "${part}" in ${JSON.stringify(split.thinking)}`);
        from = at + part.length;
      }
      assert.ok(!split.thinking!.includes(ANSWER));
      for (const marker of ["<think>", "</think>", "<answer>", "</answer>", "◁think▷", "◁/think▷", "<SUMMARY>", "<CONCLUSION>", "**Final Answer**", "The final answer is:"]) {
        assert.ok(!split.thinking!.includes(marker) && !split.answer.includes(marker), `${profile.id}: ${marker} left in the text`);
      }
    });

    test(`${profile.id}: a reply cut off inside the thinking`, () => {
      const text = reply(profile);
      // Inside the first thinking part, or inside the answer of a family that writes no thinking.
      const cut = slots > 0 ? text.slice(0, text.indexOf(PARTS[0]!) + "First I read".length) : text.slice(0, text.indexOf(ANSWER) + 9);
      const split = splitThinking({ content: cut }, "length", profile.rules);
      if (profile.separation.kind === "markup") {
        assert.equal(split.answer, "", `${profile.id}: ${JSON.stringify(split)}`);
        assert.equal(split.thinkingComplete, false);
        assert.match(split.thinking ?? "", /First I read$/);
        assert.equal(split.reasoningSource, profile.rules[0]?.id ?? "think_tags");
      } else {
        // Nothing marks the thinking: the whole output is the answer, however it ended.
        assert.deepEqual([split.thinking, split.answer, split.reasoningSource], [null, cut.trim(), "none"]);
      }
    });
  }
});

describe("the families' own rules", () => {
  const rulesOf = (id: string) => getProfile(id).rules;
  const split = (id: string, content: string, finish = "stop") => splitThinking({ content }, finish, rulesOf(id));

  test("Kimi-VL: ◁think▷ blocks are thinking, not answer (they used to land in the answer)", () => {
    assert.deepEqual(split("kimi-vl-thinking", "◁think▷The user asks X.◁/think▷It is Y."), { thinking: "The user asks X.", answer: "It is Y.", reasoningSource: "kimi_think_tags", thinkingComplete: true });
    // The authors' extract_summary: an opened block never closed gives an empty answer.
    assert.deepEqual(split("kimi-vl-thinking", "◁think▷still going", "length"), { thinking: "still going", answer: "", reasoningSource: "kimi_think_tags", thinkingComplete: false });
    // Without a marker the text is all answer, as extract_summary returns it.
    assert.deepEqual(split("kimi-vl-thinking", "Plain."), { thinking: null, answer: "Plain.", reasoningSource: "none", thinkingComplete: true });
  });

  test("MM-Eureka: the <answer> block is the answer without its tags; text around the blocks is kept", () => {
    assert.deepEqual(split("mm-eureka", "<think> a </think>\n<answer> The answer is $\\boxed{2}$ </answer>"), { thinking: "a", answer: "The answer is $\\boxed{2}$", reasoningSource: "think_answer_tags", thinkingComplete: true });
    assert.equal(split("mm-eureka", "<think>a</think>Note first.<answer>B</answer>").answer, "Note first.\n\nB");
    // A forgotten </think>: the answer tag ends the thinking (the authors take the <answer> block).
    assert.deepEqual(split("mm-eureka", "<think>a<answer>B</answer>").thinking, "a");
    // An <answer> mentioned inside a think block that is closed later is the thinking's text.
    assert.deepEqual(split("mm-eureka", "<think>I put it in <answer> tags</think><answer>B</answer>").thinking, "I put it in <answer> tags");
  });

  test("Mulberry: thinking up to the last '### The final answer is:'; no marker and no section: all answer", () => {
    const text = "### Image Description:\nA sign.\n### Rationales:\nNone.\n### The final answer is: It is a sign.";
    assert.deepEqual(split("mulberry", text), { thinking: "### Image Description:\nA sign.\n### Rationales:\nNone.", answer: "It is a sign.", reasoningSource: "final_answer_marker", thinkingComplete: true });
    assert.deepEqual(split("mulberry", "I'm sorry, I can't help with that."), { thinking: null, answer: "I'm sorry, I can't help with that.", reasoningSource: "none", thinkingComplete: true });
    // Sections but no final answer: thinking that never reached its answer.
    assert.deepEqual(split("mulberry", "### Image Description:\nA sign.", "length"), { thinking: "### Image Description:\nA sign.", answer: "", reasoningSource: "final_answer_marker", thinkingComplete: false });
    // Only the last marker counts: an earlier one is part of the thinking.
    assert.equal(split("mulberry", "### Step 1: The final answer is: maybe X\n### The final answer is: Y").thinking, "### Step 1: The final answer is: maybe X");
  });

  test("QVQ: the '**Final Answer**' heading is a named heuristic; without it, no separation", () => {
    assert.deepEqual(split("qvq", "Hmm, let me see.\n\n**Final Answer**\n\n\\boxed{4}"), { thinking: "Hmm, let me see.", answer: "\\boxed{4}", reasoningSource: "final_answer_heading_heuristic", thinkingComplete: true });
    assert.deepEqual(split("qvq", "Hmm.\n**Final Answer:** 4").answer, "4");
    assert.equal(split("qvq", "Just thinking aloud about 4.").reasoningSource, "none");
  });

  test("LLaVA-CoT: tags and the '(Here begins … stage)' form", () => {
    const parenthesised = "(Here begins the SUMMARY stage) plan (Here ends the SUMMARY stage)\n\n(Here begins the CAPTION stage) a rabbit (Here ends the CAPTION stage)\n\n(Here begins the REASONING stage) ears (Here ends the REASONING stage)\n\n(Here begins the CONCLUSION stage) A rabbit. (Here ends the CONCLUSION stage)";
    assert.deepEqual(split("llava-cot", parenthesised), { thinking: "Summary:\nplan\n\nCaption:\na rabbit\n\nReasoning:\nears", answer: "A rabbit.", reasoningSource: "structured_tags", thinkingComplete: true });
    // A LLaVA-CoT checkpoint fine-tuned on TiS writes <think> tags: the generic rules read them.
    assert.equal(split("llava-cot", "<think>t</think>a").reasoningSource, "think_tags");
  });

  test("Vision-R1 and GLM-4.1V: their answer labels and box tokens are taken off", () => {
    assert.equal(split("vision-r1", "<think>t</think>\n<answer> Final Answer: 42 </answer>").answer, "42");
    assert.equal(split("glm-4.1v-thinking", "<think>t</think><answer>It is <|begin_of_box|>42<|end_of_box|></answer>").answer, "It is 42");
  });

  test("R1-VL: 'The final answer is:' with or without its ###", () => {
    assert.equal(split("r1-vl", "### Step 1: look\n### The final answer is: B").answer, "B");
    assert.equal(split("r1-vl", "### Step 1: look\n### The final answer is: B").thinking, "### Step 1: look");
    assert.equal(split("r1-vl", "### Step 1: look. The final answer is: B").thinking, "### Step 1: look.");
  });

  test("a pre-filled <think>: only </think> in the output; cut off or stopped without it, all of it is thinking", () => {
    for (const id of ["prefilled-think", "qwen3-vl-thinking", "skywork-r1v"]) {
      assert.deepEqual(split(id, "Let me look.\n</think>\n\nA cat."), { thinking: "Let me look.", answer: "A cat.", reasoningSource: "think_tags_prefilled", thinkingComplete: true });
      assert.deepEqual(split(id, "Let me look at the", "length"), { thinking: "Let me look at the", answer: "", reasoningSource: "think_tags_prefilled", thinkingComplete: false });
      // A model that writes the opener anyway.
      assert.deepEqual(split(id, "<think>Look.</think>Cat.").thinking, "Look.");
    }
    // The same cut-off output under the default profile used to be counted as the answer.
    assert.equal(splitThinking({ content: "Let me look at the" }, "length").answer, "Let me look at the");
  });

  test("vLLM's rule: a <tool_call> inside a think block never closed ends the thinking, and stays in the answer", () => {
    const call = '<tool_call>\n{"name": "search"}\n</tool_call>';
    assert.deepEqual(splitThinking({ content: `<think>I need to look it up.\n${call}` }, "stop"), { thinking: "I need to look it up.", answer: call, reasoningSource: "think_tags+tool_call", thinkingComplete: true });
    assert.deepEqual(split("qwen3-vl-thinking", `Look it up.\n${call}`), { thinking: "Look it up.", answer: call, reasoningSource: "think_tags_prefilled+tool_call", thinkingComplete: true });
    // Inside a block that is closed later, it is the thinking's text.
    assert.equal(splitThinking({ content: `<think>maybe ${call}?</think>No.` }).thinking, `maybe ${call}?`);
  });

  test("a reasoning field comes first; the profile's answer markers are still taken off the content", () => {
    assert.deepEqual(splitThinking({ reasoning: "thought", content: "<answer>42</answer>" }, "stop", rulesOf("glm-4.1v-thinking")), { thinking: "thought", answer: "42", reasoningSource: "reasoning", thinkingComplete: true });
    assert.deepEqual(splitThinking({ reasoning_content: "thought", content: "◁think▷more◁/think▷ok" }, "stop", rulesOf("kimi-vl-thinking")), { thinking: "thought\n\nmore", answer: "ok", reasoningSource: "reasoning_content", thinkingComplete: true });
    // A prefilled rule does not apply after a field: the content is the answer.
    assert.equal(splitThinking({ reasoning: "thought", content: "A cat." }, "stop", rulesOf("qwen3-vl-thinking")).answer, "A cat.");
  });
});

describe("LlamaV-o1's dialogue", () => {
  const profile = getProfile("llamav-o1");
  assert.ok(profile.exchange.kind === "dialogue");
  const { turns, source } = profile.exchange;
  const replies = (texts: string[], finish: string[] = texts.map(() => "stop")) => texts.map((content, i) => ({ message: { content }, finishReason: finish[i]! }));

  test("the first three replies are the thinking under their turn's heading, the fourth the answer", () => {
    assert.deepEqual(splitDialogue(replies(["plan", "a sign", "it is a stop sign", "Stop sign."]), turns, source), {
      thinking: "Summary:\nplan\n\nCaption:\na sign\n\nReasoning:\nit is a stop sign",
      answer: "Stop sign.",
      reasoningSource: "dialogue_turns",
      thinkingComplete: true,
    });
  });

  test("a thinking turn cut off by max_tokens leaves the thinking incomplete; LLaVA-CoT stages in a turn are read", () => {
    assert.equal(splitDialogue(replies(["plan", "a si", "r", "A."], ["stop", "length", "stop", "stop"]), turns, source).thinkingComplete, false);
    const staged = splitDialogue(replies(["plan", "cap", "r", "<REASONING>x</REASONING><CONCLUSION>Y</CONCLUSION>"]), turns, source);
    assert.deepEqual([staged.answer, staged.thinking?.endsWith("Reasoning:\nx")], ["Y", true]);
  });

  test("a dialogue needs a reply for every turn", () => {
    assert.throws(() => splitDialogue(replies(["plan"]), turns, source), /a dialogue of 4 turns has 1 replies/);
  });
});
