// The base models the study compares reasoning models against: instruct models that answer directly.
import type { ProfileInput } from "../profile.ts";

const VLMEVALKIT = "open-compass/VLMEvalKit@e8e78f0";
const NO_THINKING = "an instruct model that answers directly: it has no thinking phase, so the whole output is the answer";

export const QWEN_VL: ProfileInput = {
  id: "qwen-vl",
  family: "Qwen2-VL / Qwen2.5-VL Instruct",
  models: ["Qwen/Qwen2.5-VL-7B-Instruct", "Qwen/Qwen2-VL-7B-Instruct", "Qwen/Qwen2-VL-72B-Instruct"],
  kind: "base",
  // The chat template itself inserts "You are a helpful assistant." when no system message is sent.
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "{answer}" },
  rules: [],
  separation: { kind: "none", note: NO_THINKING },
  sources: [
    { ref: `${VLMEVALKIT} vlmeval/config.py:1930-1941,2004-2010`, shows: "Qwen2-VL-72B/7B and Qwen2.5-VL-7B run with their default chat template, no system prompt, no post-processing", checked: true },
    { ref: "team notes: model-formats.md (Qwen2-VL chat template)", shows: "the template inserts 'You are a helpful assistant.' when no system prompt is given", checked: false },
  ],
  unconfirmed: [],
};

export const LLAMA_VISION: ProfileInput = {
  id: "llama-vision",
  family: "Llama 3.2 Vision Instruct",
  models: ["meta-llama/Llama-3.2-11B-Vision-Instruct"],
  kind: "base",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "{answer}" },
  rules: [],
  separation: { kind: "none", note: NO_THINKING },
  sources: [
    { ref: `${VLMEVALKIT} vlmeval/config.py:2159-2160`, shows: "run with its default chat template and no prompt changes", checked: true },
    { ref: "PKU-YuanGroup/LLaVA-CoT@081cc3f README.md:53", shows: "its answers are plain text without stages (the base LLaVA-CoT is compared with)", checked: true },
  ],
  unconfirmed: [],
};

export const KIMI_VL_INSTRUCT: ProfileInput = {
  id: "kimi-vl-instruct",
  family: "Kimi-VL Instruct",
  models: ["moonshotai/Kimi-VL-A3B-Instruct"],
  kind: "base",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "{answer}" },
  rules: [],
  separation: { kind: "none", note: NO_THINKING },
  generation: { temperature: 0, max_tokens: 2048 },
  sources: [
    { ref: `${VLMEVALKIT} vlmeval/config.py:2299,2335-2339`, shows: "Kimi-VL-A3B-Instruct with defaults; served through vLLM at temperature 0 with 2048 tokens", checked: true },
  ],
  unconfirmed: [],
};
