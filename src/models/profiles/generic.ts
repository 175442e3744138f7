// The generic profiles: today's behaviour (the default) and templates that pre-fill `<think>`.
import type { ProfileInput } from "../profile.ts";
import { PREFILLED_THINK, STAGE_TAGS, THINK_TAGS } from "./rules.ts";

const VLLM_QWEN3_PARSER = "vllm-project/vllm@00a4c6a vllm/reasoning/qwen3_reasoning_parser.py";

export const THINK_TAGS_PROFILE: ProfileInput = {
  id: "think-tags",
  family: "Generic: <think> tags or a server's reasoning field",
  models: [],
  kind: "generic",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "<think>\n{thinking}\n</think>\n\n{answer}" },
  rules: [THINK_TAGS, STAGE_TAGS],
  separation: { kind: "markup" },
  serving: ["with a vLLM --reasoning-parser the thinking arrives in `reasoning`/`reasoning_content`; without one, in <think> tags in the content"],
  sources: [
    {
      ref: `${VLLM_QWEN3_PARSER}:36-38,204-217`,
      shows: "vLLM's rule that a <tool_call> inside an unclosed think block ends the reasoning (this version also requires a following <function; thinksafe ends the thinking at any <tool_call> in a think block that is never closed)",
      checked: true,
    },
    { ref: "team notes: model-formats.md (parser behaviour, suggested splitter)", shows: "the think-tag conventions, reasoning fields and truncation behaviour this profile keeps", checked: false },
  ],
  unconfirmed: [],
};

export const PREFILLED_THINK_PROFILE: ProfileInput = {
  id: "prefilled-think",
  family: "Generic: a chat template that pre-fills <think>",
  models: [],
  kind: "generic",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "{thinking}\n</think>\n\n{answer}" },
  rules: [PREFILLED_THINK],
  separation: { kind: "markup" },
  serving: ["vLLM: --reasoning-parser deepseek_r1 (handles the missing opener; qwen3 in some versions needs both tags)"],
  sources: [
    {
      ref: `${VLLM_QWEN3_PARSER}:175-217`,
      shows: "the template places <think> in the prompt so only </think> appears in the output; without </think> the output was truncated and all of it is reasoning",
      checked: true,
    },
    { ref: "QwenLM/Qwen3-VL@9658872 evaluation/mmmu/run_mmmu.py:238", shows: "the authors take the text after the last </think> as the answer", checked: true },
  ],
  unconfirmed: [],
};
