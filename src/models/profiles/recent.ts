// Recent multimodal reasoning families users will add to an experiment.
import type { ProfileInput } from "../profile.ts";
import { GLM_THINK_ANSWER_TAGS, PREFILLED_THINK, R1_VL_FINAL_ANSWER, THINK_ANSWER_TAGS, THINK_TAGS, VISION_R1_TAGS } from "./rules.ts";

const VLMEVALKIT = "open-compass/VLMEvalKit@e8e78f0";
const NOTES = "team notes: model-formats.md";
const VLLM_QWEN3_PARSER = "vllm-project/vllm@00a4c6a vllm/reasoning/qwen3_reasoning_parser.py:175-217";

export const GLM_4_1V_THINKING: ProfileInput = {
  id: "glm-4.1v-thinking",
  family: "GLM-4.1V-Thinking",
  models: ["zai-org/GLM-4.1V-9B-Thinking", "THUDM/GLM-4.1V-9B-Thinking"],
  kind: "reasoning",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "<think>{thinking}</think><answer>{answer}</answer>" },
  rules: [GLM_THINK_ANSWER_TAGS],
  separation: { kind: "markup" },
  // Their CLI decodes greedily (top_k 1) with up to 8192 tokens.
  generation: { temperature: 0, max_tokens: 8192 },
  serving: [
    "the tags are single vocabulary tokens and the authors decode with skip_special_tokens=False: with vLLM send extra_body {skip_special_tokens: false}, or serve with a reasoning parser",
    "vLLM --reasoning-parser glm45 likely fits (its content keeps the <answer> tags, which thinksafe removes)",
  ],
  sources: [
    { ref: "zai-org/GLM-V@8fc9756 inference/trans_infer_cli.py:51-55,102-106", shows: "up to 8192 tokens, top_k 1; decoded with skip_special_tokens=False; the answer is <answer>(.*?)</answer>", checked: true },
    { ref: "zai-org/GLM-V@8fc9756 inference/trans_infer_bench.py:1-20,33-38", shows: "the output is <think>…</think><answer>…</answer>, the four tags are special tokens", checked: true },
  ],
  unconfirmed: ["which vLLM reasoning parser fits (glm45 is documented for GLM-4.5/4.5V)", "whether skip_special_tokens=True strips the tags"],
};

export const MIMO_VL: ProfileInput = {
  id: "mimo-vl",
  family: "MiMo-VL",
  models: ["XiaomiMiMo/MiMo-VL-7B-RL", "XiaomiMiMo/MiMo-VL-7B-SFT"],
  kind: "reasoning",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "<think>\n{thinking}\n</think>\n\n{answer}" },
  rules: [THINK_TAGS],
  separation: { kind: "markup" },
  serving: ["the <think> tags survive skip_special_tokens=True; serve without a parser or with one that reads <think>"],
  sources: [
    { ref: "XiaomiMiMo/MiMo-VL@ca17cb3 examples/ocr.ipynb:53,79,141-142,240", shows: "printed outputs start with <think> and close it with </think> before the answer; decoded with skip_special_tokens=True", checked: true },
  ],
  unconfirmed: ["the Hugging Face chat template (not read)", "which vLLM reasoning parser fits"],
};

export const INTERNVL3_5_THINKING: ProfileInput = {
  id: "internvl3.5-thinking",
  family: "InternVL3.5 (thinking mode)",
  models: ["OpenGVLab/InternVL3_5-8B", "OpenGVLab/InternVL3_5-38B", "OpenGVLab/InternVL3_5-241B-A28B"],
  kind: "reasoning",
  system_prompt:
    "You are an AI assistant that rigorously follows this response protocol:\n\n1. First, conduct a detailed analysis of the question. Consider different angles, potential solutions, and reason through the problem step-by-step. Enclose this entire thinking process within <think> and </think> tags.\n\n2. After the thinking section, provide a clear, concise, and direct answer to the user's question. Separate the answer from the think section with a newline.\n\nEnsure that the thinking process is thorough but remains focused on the query. The final answer should be standalone and not reference the thinking section.",
  exchange: { kind: "single", user: "{question}", layout: "<think>\n{thinking}\n</think>\n{answer}" },
  rules: [THINK_TAGS],
  separation: { kind: "markup" },
  serving: ["thinking mode is switched on by the system prompt"],
  sources: [
    { ref: `${VLMEVALKIT} vlmeval/vlm/internvl/internvl_chat.py:25-38,126-127`, shows: "R1_SYSTEM_PROMPT, used when cot_prompt_version is 'r1'", checked: true },
    { ref: `${VLMEVALKIT} vlmeval/config.py:1336-1375`, shows: "InternVL3.5 run with cot_prompt_version='r1' (from the team notes)", checked: false },
  ],
  unconfirmed: ["the Hugging Face chat template (not read)", "which vLLM reasoning parser fits"],
};

export const VISION_R1: ProfileInput = {
  id: "vision-r1",
  family: "Vision-R1",
  models: ["Osilly/Vision-R1-7B"],
  kind: "reasoning",
  system_prompt: "You are a helpful assistant.",
  exchange: { kind: "single", user: "{question}", layout: "<think>\n{thinking}\n</think>\n<answer> Final Answer: {answer} </answer>" },
  rules: [VISION_R1_TAGS],
  separation: { kind: "markup" },
  serving: ["no vLLM reasoning parser fits (Qwen2.5-VL tokenizer): serve without one"],
  sources: [
    { ref: "Osilly/Vision-R1@c061681 vllm_inference.py:30-51", shows: "the system prompt 'You are a helpful assistant.', then the image and the prompt", checked: true },
    { ref: "Osilly/Vision-R1@c061681 evaluation/evalscope/vlmeval/inference.py:116-125", shows: "the output format <think>…</think> <answer> Final Answer:… </answer> and its extraction", checked: true },
  ],
  unconfirmed: [],
};

export const VLM_R1: ProfileInput = {
  id: "vlm-r1",
  family: "VLM-R1",
  models: ["omlab/VLM-R1-Qwen2.5VL-3B-Math-0305"],
  kind: "reasoning",
  system_prompt: null,
  exchange: {
    kind: "single",
    user: "{question}  Output the thinking process in <think> </think> and final answer in <answer> </answer> tags.",
    layout: "<think>{thinking}</think>\n<answer>{answer}</answer>",
  },
  rules: [THINK_ANSWER_TAGS],
  separation: { kind: "markup" },
  serving: ["no vLLM reasoning parser fits (Qwen2.5-VL tokenizer): serve without one"],
  sources: [
    { ref: `${VLMEVALKIT} vlmeval/vlm/vlm_r1.py:93,128-129`, shows: "the suffix appended to the question's text", checked: true },
    { ref: "Fancy-MLLM/R1-Onevision@976293f VLM-R1/src/open-r1-multimodal/src/open_r1/grpo.py:107", shows: "the trained format <think>…</think><answer>…</answer>", checked: true },
  ],
  unconfirmed: [],
};

export const R1_VL: ProfileInput = {
  id: "r1-vl",
  family: "R1-VL",
  models: ["jingyiZ00/R1-VL-7B", "jingyiZ00/R1-VL-2B"],
  kind: "reasoning",
  system_prompt: null,
  exchange: {
    kind: "single",
    // R1-VL's own copy of Mulberry's prompt (it differs: its format line ends "'The final answer is: xxx.").
    user: "Generate an image description based on the question.\nThen, provide a rationale to analyze the question.\nNext, generate a step-by-step reasoning process to solve the problem. Ensure the steps are logical and concise.\nFinally, provide a concise summary of the final answer in the following format: 'The final answer is: xxx.\n\nFormat your response with the following sections, separated by ###:\n### Image Description:\n### Rationales:\n### Let's think step by step.\n### Step 1:\n### Step 2:\n...\n### The final answer is: \n\n{question}",
    layout: "### Image Description:\n{thinking}\n\n### Rationales:\n{thinking}\n\n### Let's think step by step.\n### Step 1:\n{thinking}\n\n### The final answer is: {answer}",
  },
  rules: [R1_VL_FINAL_ANSWER],
  separation: { kind: "markup" },
  // top_k-style greedy decoding at temperature 0.01, 2048 tokens.
  generation: { temperature: 0, max_tokens: 2048 },
  sources: [
    { ref: "jingyi0000/R1-VL@679be5c eval/qwen2_vl/model.py:15-29", shows: "REASONING_PROMPT, the question last", checked: true },
    { ref: "jingyi0000/R1-VL@679be5c eval/qwen2_vl/model.py:88-107,197-198", shows: "2048 new tokens at temperature 0.01; no system prompt unless given", checked: true },
    { ref: "jingyi0000/R1-VL@679be5c eval/qwen2_vl/model.py:220-222", shows: "the answer is the text after 'The final answer is:'", checked: true },
  ],
  unconfirmed: [],
};

export const QWEN3_VL_THINKING: ProfileInput = {
  id: "qwen3-vl-thinking",
  family: "Qwen3-VL Thinking",
  models: ["Qwen/Qwen3-VL-8B-Thinking", "Qwen/Qwen3-VL-30B-A3B-Thinking", "Qwen/Qwen3-VL-235B-A22B-Thinking"],
  kind: "reasoning",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "{thinking}\n</think>\n\n{answer}" },
  rules: [PREFILLED_THINK],
  separation: { kind: "markup" },
  serving: ["vLLM --reasoning-parser deepseek_r1 (some qwen3 parser versions need both tags and return everything as content)"],
  sources: [
    { ref: "QwenLM/Qwen3-VL@9658872 evaluation/mmmu/run_mmmu.py:238", shows: "the answer is the text after the last </think>", checked: true },
    { ref: VLLM_QWEN3_PARSER, shows: "the template places <think> in the prompt, so outputs hold only </think>; without it everything is reasoning", checked: true },
    { ref: "https://github.com/vllm-project/vllm/issues/26239", shows: "Qwen3-VL-Thinking outputs without the opening tag (from the team notes)", checked: false },
  ],
  unconfirmed: [],
};

export const SKYWORK_R1V: ProfileInput = {
  id: "skywork-r1v",
  family: "Skywork-R1V",
  models: ["Skywork/Skywork-R1V-38B", "Skywork/Skywork-R1V2-38B", "Skywork/Skywork-R1V3-38B"],
  kind: "reasoning",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "{thinking}\n</think>\n\n{answer}" },
  rules: [PREFILLED_THINK],
  separation: { kind: "markup" },
  serving: ["vLLM --reasoning-parser deepseek_r1 (assumes <think> is a vocabulary token: unconfirmed)"],
  sources: [
    { ref: "https://github.com/SkyworkAI/Skywork-R1V/issues/14", shows: "outputs contain only </think> (from the team notes)", checked: false },
    { ref: "https://github.com/SkyworkAI/Skywork-R1V/issues/40", shows: "the R1V3 template pre-fills '<|im_start|>assistant\\n<think>\\n' (per a maintainer; from the team notes)", checked: false },
    { ref: NOTES, shows: "Skywork-R1V's row", checked: false },
  ],
  unconfirmed: ["the pre-filled template (from issue threads, not read)", "whether the R1-Distill tokenizer has <think> as a token (deepseek_r1 needs it)"],
};
