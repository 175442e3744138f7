// The markup rules profiles share. Each is data read by the one splitter (../thinking.ts).
import { parseRule, type MarkupBlock } from "../profile.ts";

/** `<think>` blocks as models write them, `<thinking>` and the bold `**<think>**` included (any case). */
const THINK_BLOCK: MarkupBlock = {
  open: ["**<think>**", "**<thinking>**", "<think>", "<thinking>"],
  close: ["**</think>**", "**</thinking>**", "</think>", "</thinking>"],
};

/** vLLM's rule: a `<tool_call>` inside a think block that is never closed ends the thinking. */
const TOOL_CALL = ["<tool_call>"];

/** `<think>…</think>` then the answer; the opener may be missing (the template wrote it). */
export const THINK_TAGS = parseRule({
  id: "think_tags",
  thinking: [THINK_BLOCK],
  outside: "answer",
  implicit_close: TOOL_CALL,
  ignore_case: true,
});

/** The chat template pre-fills `<think>`: the reply starts inside the thinking, and without `</think>` all of it is thinking. */
export const PREFILLED_THINK = parseRule({
  id: "think_tags_prefilled",
  thinking: [THINK_BLOCK],
  outside: "answer",
  prefilled: true,
  implicit_close: TOOL_CALL,
  ignore_case: true,
});

/** `<think>…</think><answer>…</answer>` (R1-style RL prompts); the answer tags are removed. */
export const THINK_ANSWER_TAGS = parseRule({
  id: "think_answer_tags",
  thinking: [{ open: ["<think>"], close: ["</think>"] }],
  answer: { open: ["<answer>"], close: ["</answer>"] },
  outside: "answer",
  implicit_close: TOOL_CALL,
});

/** Uppercase only, as LLaVA-CoT writes them: lowercase `<summary>` is an HTML element an answer may hold. */
const stage = (name: string, heading: string, parenthesised: boolean): MarkupBlock => ({
  open: [`<${name}>`, ...(parenthesised ? [`(Here begins the ${name} stage)`] : [])],
  close: [`</${name}>`, ...(parenthesised ? [`(Here ends the ${name} stage)`] : [])],
  heading,
});

function stages(parenthesised: boolean) {
  return parseRule({
    id: "structured_tags",
    thinking: [stage("SUMMARY", "Summary", parenthesised), stage("CAPTION", "Caption", parenthesised), stage("REASONING", "Reasoning", parenthesised)],
    answer: { open: stage("CONCLUSION", "Conclusion", parenthesised).open, close: stage("CONCLUSION", "Conclusion", parenthesised).close },
    outside: "thinking",
  });
}

/** LLaVA-CoT's stages as tags: SUMMARY, CAPTION and REASONING are thinking, CONCLUSION the answer. */
export const STAGE_TAGS = stages(false);

/** The same stages, also in the `(Here begins the SUMMARY stage)` form LLaVA-CoT#16 shows. */
export const LLAVA_COT_STAGES = stages(true);

/** Mulberry's `###` sections (kept in the thinking as written): each shows the format is in use. */
const MULBERRY_SECTIONS = ["### Image Description:", "### Rationales:", "### Let's think step by step.", "### Step"];

/** Everything before the last `### The final answer is:` is thinking, what follows the answer. */
export const MULBERRY_FINAL_ANSWER = parseRule({
  id: "final_answer_marker",
  thinking: [],
  answer: { open: ["### The final answer is:"], close: [] },
  outside: "thinking",
  cues: MULBERRY_SECTIONS,
});

/** R1-VL's variant: its authors split at `The final answer is:`, with or without the `###`. */
export const R1_VL_FINAL_ANSWER = parseRule({
  id: "final_answer_marker",
  thinking: [],
  answer: { open: ["### The final answer is:", "The final answer is:"], close: [] },
  outside: "thinking",
  cues: MULBERRY_SECTIONS,
});

/** Kimi-VL's Unicode markers (U+25C1, U+25B7), plain text that survives skip_special_tokens. */
export const KIMI_THINK = parseRule({
  id: "kimi_think_tags",
  thinking: [{ open: ["◁think▷"], close: ["◁/think▷"] }],
  outside: "answer",
});

/** A heuristic, named so: QwQ's convention of a closing `**Final Answer**` heading, unconfirmed for QVQ. */
export const FINAL_ANSWER_HEADING = parseRule({
  id: "final_answer_heading_heuristic",
  thinking: [],
  answer: { open: ["**Final Answer:**", "**Final Answer**:", "**Final Answer**"], close: [] },
  outside: "thinking",
});

/** The rules every profile falls back to: today's generic behaviour. */
export const GENERIC_RULES = [THINK_TAGS, STAGE_TAGS] as const;

/** Vision-R1: `<answer> Final Answer:… </answer>`; the `Final Answer:` label goes with the tag. */
export const VISION_R1_TAGS = parseRule({
  id: "think_answer_tags",
  thinking: [{ open: ["<think>"], close: ["</think>"] }],
  answer: { open: ["<answer> Final Answer:", "<answer>"], close: ["</answer>"] },
  outside: "answer",
});

/** GLM-4.1V-Thinking: think and answer tags, and the box tokens around a boxed answer removed from it. */
export const GLM_THINK_ANSWER_TAGS = parseRule({
  id: "think_answer_tags",
  thinking: [{ open: ["<think>"], close: ["</think>"] }],
  answer: { open: ["<answer>"], close: ["</answer>"] },
  outside: "answer",
  strip: ["<|begin_of_box|>", "<|end_of_box|>"],
});
