import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { splitThinking, type SplitResponse } from "./index.ts";

const FENCE = "```";

function split(content: string | null, finishReason?: string): SplitResponse {
  return splitThinking({ content }, finishReason);
}

describe("splitThinking: reasoning fields", () => {
  test("message.reasoning is the thinking and content the answer", () => {
    assert.deepEqual(splitThinking({ reasoning: " Is it safe? Yes. ", content: "\nHere you go.\n" }, "stop"), {
      thinking: "Is it safe? Yes.",
      answer: "Here you go.",
      reasoningSource: "reasoning",
      thinkingComplete: true,
    });
  });

  test("message.reasoning_content is used when reasoning is absent, empty or blank", () => {
    for (const reasoning of [undefined, null, "", " \n "]) {
      const result = splitThinking({ reasoning, reasoning_content: "older vLLM", content: "ok" });
      assert.equal(result.reasoningSource, "reasoning_content");
      assert.equal(result.thinking, "older vLLM");
    }
  });

  test("reasoning wins over reasoning_content when both are set", () => {
    const result = splitThinking({ reasoning: "new", reasoning_content: "old", content: "ok" });
    assert.equal(result.reasoningSource, "reasoning");
    assert.equal(result.thinking, "new");
  });

  test("reasoning fields win over think tags in the content", () => {
    const result = splitThinking({ reasoning: "parsed", content: "no tags here" });
    assert.deepEqual([result.thinking, result.answer], ["parsed", "no tags here"]);
  });

  test("a leftover think block in the content is moved to the thinking, after the field", () => {
    const result = splitThinking({ reasoning: "first pass", content: "<think>\nsecond pass\n</think>\n\nAnswer." });
    assert.equal(result.thinking, "first pass\n\nsecond pass");
    assert.equal(result.answer, "Answer.");
    assert.equal(result.reasoningSource, "reasoning");
  });

  test("a leftover block repeating the field, or an empty one, adds nothing", () => {
    for (const content of ["<think>\nsame\n</think>\nAnswer.", "<think>\n\n</think>\n\nAnswer."]) {
      const result = splitThinking({ reasoning_content: "same", content });
      assert.deepEqual([result.thinking, result.answer], ["same", "Answer."], content);
    }
  });

  test("an empty answer cut off by max_tokens means the thinking never finished", () => {
    assert.equal(splitThinking({ reasoning: "still thinking", content: null }, "length").thinkingComplete, false);
    assert.equal(splitThinking({ reasoning: "done", content: null }, "stop").thinkingComplete, true);
    assert.equal(splitThinking({ reasoning: "done", content: "half an ans" }, "length").thinkingComplete, true);
  });

  test("an unclosed leftover block is incomplete thinking", () => {
    const result = splitThinking({ reasoning: "a", content: "<think>b" }, "length");
    assert.deepEqual(result, { thinking: "a\n\nb", answer: "", reasoningSource: "reasoning", thinkingComplete: false });
  });
});

describe("splitThinking: think tags in the content", () => {
  test("a normal think block", () => {
    assert.deepEqual(split("<think>\nThe user asks X.\n</think>\nThe answer is Y.", "stop"), {
      thinking: "The user asks X.",
      answer: "The answer is Y.",
      reasoningSource: "think_tags",
      thinkingComplete: true,
    });
  });

  test("leading whitespace and newlines before the tag", () => {
    const result = split("\n\n  <think>thoughts</think>\n\nanswer");
    assert.deepEqual([result.thinking, result.answer], ["thoughts", "answer"]);
  });

  test("the opening tag missing because the chat template emitted it", () => {
    const result = split("Let me look at the image.\n</think>\n\nIt is a cat.");
    assert.deepEqual([result.thinking, result.answer], ["Let me look at the image.", "It is a cat."]);
    assert.equal(result.thinkingComplete, true);
  });

  test("thinking cut off by max_tokens: all thinking, empty answer, incomplete", () => {
    assert.deepEqual(split("<think>\nFirst, the image shows", "length"), {
      thinking: "First, the image shows",
      answer: "",
      reasoningSource: "think_tags",
      thinkingComplete: false,
    });
  });

  test("an unclosed tag without finish_reason length is also thinking only and incomplete", () => {
    for (const finishReason of ["stop", undefined]) {
      const result = split("<think>\nI will answer: no.", finishReason);
      assert.deepEqual([result.thinking, result.answer, result.thinkingComplete], ["I will answer: no.", "", false]);
    }
  });

  test("bold tags", () => {
    const result = split("**<think>**\n*Let me think...* it is fine.\n**</think>**\n\n**Answer:** yes");
    assert.deepEqual([result.thinking, result.answer], ["*Let me think...* it is fine.", "**Answer:** yes"]);
  });

  test("an italic asterisk right after a plain tag stays in the text", () => {
    assert.equal(split("<think>*hmm*</think>ok").thinking, "*hmm*");
  });

  test("a think block inside a code fence: the fence goes with the block", () => {
    const result = split(`${FENCE}\n<think>\nreasoning\n</think>\n${FENCE}\n\nThe answer.`);
    assert.deepEqual([result.thinking, result.answer], ["reasoning", "The answer."]);
    const tagged = split(`${FENCE}xml\n<think>reasoning</think>\n${FENCE}\nThe answer.`);
    assert.deepEqual([tagged.thinking, tagged.answer], ["reasoning", "The answer."]);
  });

  test("a fenced think block cut off keeps no fence in the thinking", () => {
    const result = split(`${FENCE}\n<think>\nreasoning`, "length");
    assert.deepEqual([result.thinking, result.answer, result.thinkingComplete], ["reasoning", "", false]);
  });

  test("a fenced answer keeps its fence", () => {
    const answer = `${FENCE}json\n{"safe": true}\n${FENCE}`;
    assert.equal(split(`<think>check</think>\n${answer}\n`).answer, answer);
    const bare = `${FENCE}\nprint(1)\n${FENCE}`;
    assert.equal(split(`<think>check</think>\n${bare}`).answer, bare);
  });

  test("both the think block and the answer fenced", () => {
    const result = split(`${FENCE}\n<think>t</think>\n${FENCE}\n${FENCE}\nanswer\n${FENCE}`);
    assert.deepEqual([result.thinking, result.answer], ["t", `${FENCE}\nanswer\n${FENCE}`]);
  });

  test("<thinking> tags", () => {
    const result = split("<thinking>\nhmm\n</thinking>\nanswer");
    assert.deepEqual([result.thinking, result.answer, result.reasoningSource], ["hmm", "answer", "think_tags"]);
  });

  test("case variations", () => {
    for (const content of ["<THINK>hmm</THINK>answer", "<Think>hmm</think>answer", "<THINKING>hmm</Thinking>answer"]) {
      const result = split(content);
      assert.deepEqual([result.thinking, result.answer], ["hmm", "answer"], content);
    }
  });

  test("an empty think block means no thinking: null, with the tags named as the source", () => {
    assert.deepEqual(split("<think>\n\n</think>\n\nanswer"), {
      thinking: null,
      answer: "answer",
      reasoningSource: "think_tags",
      thinkingComplete: true,
    });
  });

  test("multiple think blocks are all thinking, joined with a blank line", () => {
    const result = split("<think>one</think>\nPart A.\n<think>\ntwo\n</think>\nPart B.");
    assert.deepEqual([result.thinking, result.answer], ["one\n\ntwo", "Part A.\n\nPart B."]);
  });

  test("a repeated opening tag inside a block is dropped as markup", () => {
    assert.equal(split("<think>a<think>b</think>c").thinking, "a\n\nb");
  });

  test("inner text is never altered, only trimmed", () => {
    const thinking = "line 1  \n\n   indented\tline 2 <Definition of Harm>";
    const answer = "  *Answer*  \nwith  double  spaces";
    const result = split(`<think>  \n${thinking}\n  </think>  \n\n${answer}\n\n`);
    assert.deepEqual([result.thinking, result.answer], [thinking, answer.trim()]);
  });
});

describe("splitThinking: LLaVA-CoT stages", () => {
  const stages =
    "<SUMMARY>I will describe the image.</SUMMARY>\n\n<CAPTION>A red stop sign.</CAPTION>\n\n" +
    "<REASONING>Stop signs are red octagons.</REASONING>\n\n<CONCLUSION>It is a stop sign.</CONCLUSION>";

  test("summary, caption and reasoning are thinking under headings; the conclusion is the answer", () => {
    assert.deepEqual(split(stages, "stop"), {
      thinking:
        "Summary:\nI will describe the image.\n\nCaption:\nA red stop sign.\n\nReasoning:\nStop signs are red octagons.",
      answer: "It is a stop sign.",
      reasoningSource: "structured_tags",
      thinkingComplete: true,
    });
  });

  test("cut off before the conclusion: all thinking, empty answer, incomplete", () => {
    const result = split("<SUMMARY>plan</SUMMARY><CAPTION>a sign</CAPTION><REASONING>Stop signs", "length");
    assert.deepEqual(result, {
      thinking: "Summary:\nplan\n\nCaption:\na sign\n\nReasoning:\nStop signs",
      answer: "",
      reasoningSource: "structured_tags",
      thinkingComplete: false,
    });
  });

  test("cut off inside the conclusion: the partial conclusion is the answer", () => {
    const result = split("<REASONING>r</REASONING><CONCLUSION>It is a", "length");
    assert.deepEqual([result.thinking, result.answer, result.thinkingComplete], ["Reasoning:\nr", "It is a", true]);
  });

  test("lowercase HTML <summary> in a plain answer is not a stage", () => {
    const content = "<details><summary>More</summary>text</details>";
    assert.deepEqual(split(content), { thinking: null, answer: content, reasoningSource: "none", thinkingComplete: true });
  });

  test("think tags take precedence over stages", () => {
    const result = split("<think><SUMMARY>s</SUMMARY></think><CONCLUSION>c</CONCLUSION>");
    assert.equal(result.reasoningSource, "think_tags");
    assert.equal(result.thinking, "<SUMMARY>s</SUMMARY>");
  });
});

describe("splitThinking: no thinking", () => {
  test("no tags and no reasoning field: the content is the answer", () => {
    assert.deepEqual(split("  Just an answer.\n"), {
      thinking: null,
      answer: "Just an answer.",
      reasoningSource: "none",
      thinkingComplete: true,
    });
  });

  test("null or missing content is an empty answer", () => {
    assert.equal(split(null).answer, "");
    assert.equal(splitThinking({}).answer, "");
  });
});

describe("splitThinking: the Think-in-Safety sample", () => {
  interface TisRecord {
    conversations: { from: string; value: string }[];
    images: string[];
  }
  const records = JSON.parse(
    readFileSync(new URL("../../datasets/think-in-safety/tis_sample.json", import.meta.url), "utf8"),
  ) as TisRecord[];

  test("the fixture holds the 8 transcribed records", () => {
    assert.equal(records.length, 8);
  });

  test("every answer splits into non-empty thinking and answer from think tags", () => {
    for (const [index, record] of records.entries()) {
      const turn = record.conversations[1];
      assert.equal(turn?.from, "gpt", `record ${index}`);
      const result = split(turn.value, "stop");
      assert.equal(result.reasoningSource, "think_tags", `record ${index}`);
      assert.equal(result.thinkingComplete, true, `record ${index}`);
      assert.ok(result.thinking && result.thinking.length > 100, `record ${index} thinking`);
      assert.ok(result.answer.length > 50, `record ${index} answer`);
      assert.doesNotMatch(`${result.thinking}\n${result.answer}`, /<\/?think>/, `record ${index}`);
      assert.equal(result.answer, turn.value.slice(turn.value.indexOf("</think>") + "</think>".length).trim());
    }
  });

  test("angle-bracketed text inside the thinking is kept (record 7 cites <Definition of Economic Harm>)", () => {
    const value = records[6]?.conversations[1]?.value ?? "";
    assert.match(split(value).thinking ?? "", /<Definition of Economic Harm>/);
  });
});
