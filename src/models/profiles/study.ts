// The reasoning models of experiments/paper.yaml and experiments/finetune.yaml, each as its authors
// run it. Prompts are quoted from the authors' code; `checked` sources were read at the commit named.
import type { ProfileInput } from "../profile.ts";
import { FINAL_ANSWER_HEADING, KIMI_THINK, LLAVA_COT_STAGES, MULBERRY_FINAL_ANSWER, THINK_ANSWER_TAGS } from "./rules.ts";

const NOTES = "team notes: model-formats.md";
const VLMEVALKIT = "open-compass/VLMEvalKit@e8e78f0";

export const R1_ONEVISION: ProfileInput = {
  id: "r1-onevision",
  family: "R1-Onevision",
  models: ["Fancy-MLLM/R1-Onevision-7B"],
  kind: "reasoning",
  system_prompt: null,
  exchange: {
    kind: "single",
    user: "Hint: Please answer the question and provide the final answer at the end. Question: {question}",
    layout: "<think>\n{thinking}\n</think>\n\n{answer}",
  },
  // <answer> tags come only with the RL-style prompt; taken off when they appear.
  rules: [THINK_ANSWER_TAGS],
  separation: { kind: "markup" },
  generation: { max_tokens: 4096 },
  serving: ["no vLLM reasoning parser fits (the Qwen2.5-VL tokenizer has no <think> token): serve without one, thinksafe splits the text"],
  sources: [
    { ref: "Fancy-MLLM/R1-Onevision@976293f README.md:63-71", shows: "the user message: 'Hint: Please answer the question and provide the final answer at the end. Question: …', no system prompt", checked: true },
    { ref: "Fancy-MLLM/R1-Onevision@976293f README.md:87,91-93", shows: "max_new_tokens=4096, decoded with skip_special_tokens=True", checked: true },
    { ref: "Fancy-MLLM/R1-Onevision@976293f VLM-R1/src/open-r1-multimodal/src/open_r1/grpo.py:107,121-122", shows: "the RL format <think>…</think><answer>…</answer>", checked: true },
  ],
  unconfirmed: [
    "the SFT checkpoint's output format: <think>…</think> then the answer is expected, no sample output was seen; <answer> tags only with the RL prompt",
    "the chat template (stock Qwen2.5-VL, not read)",
  ],
};

export const MM_EUREKA: ProfileInput = {
  id: "mm-eureka",
  family: "MM-Eureka",
  models: ["FanqingM/MM-Eureka-Qwen-7B"],
  kind: "reasoning",
  system_prompt:
    "Solve the question. The user asks a question, and you solves it. You first thinks about the reasoning process in the mind and then provides the user with the answer. The answer is in latex format and wrapped in $...$. The final answer must be wrapped using the \\\\boxed{} command. The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, respectively, i.e., <think> Since $1+1=2$, so the answer is $2$. </think><answer> The answer is $\\\\boxed{2}$ </answer>, which means assistant's output should start with <think> and end with </answer>.",
  exchange: { kind: "single", user: "{question}", layout: "<think> {thinking} </think><answer> {answer} </answer>" },
  rules: [THINK_ANSWER_TAGS],
  separation: { kind: "markup" },
  generation: { temperature: 0, max_tokens: 2048 },
  serving: ["no vLLM reasoning parser fits (Qwen2.5-VL tokenizer): serve without one"],
  sources: [
    { ref: "ModalMinds/MM-EUREKA@bccddd7 eval/mathvista/evaluate_mathvista.py:22,36-59", shows: "the system prompt, sent as the system message before the image and question", checked: true },
    { ref: "ModalMinds/MM-EUREKA@bccddd7 eval/mathvista/evaluate_mathvista.py:71", shows: "temperature 0, max_tokens 2048", checked: true },
    { ref: "ModalMinds/MM-EUREKA@bccddd7 examples/scripts/reward_func_qwen_instruct.py:34-50", shows: "the answer is the <answer>…</answer> block, else the text after the last <answer>", checked: true },
  ],
  unconfirmed: [],
};

export const OPENVLTHINKER: ProfileInput = {
  id: "openvlthinker",
  family: "OpenVLThinker",
  models: ["ydeng9/OpenVLThinker-7B"],
  kind: "reasoning",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "<think>\n{thinking}\n</think>\n<answer>\n{answer}\n</answer>" },
  rules: [THINK_ANSWER_TAGS],
  separation: { kind: "markup" },
  // Their decoding is top_k=1 at temperature 0.01: greedy.
  generation: { temperature: 0, max_tokens: 2048 },
  serving: ["no vLLM reasoning parser fits (Qwen2.5-VL tokenizer): serve without one"],
  sources: [
    { ref: "yihedeng9/OpenVLThinker@6997b47 evaluation/eval_openvlthinker.py:55-63,127-135", shows: "max_new_tokens 2048, top_k 1, top_p 0.001, temperature 0.01", checked: true },
    { ref: "yihedeng9/OpenVLThinker@6997b47 evaluation/eval_openvlthinker.py:98-113", shows: "one user message (image and question), no system prompt", checked: true },
    { ref: "yihedeng9/OpenVLThinker@6997b47 evaluation/eval_openvlthinker.py:379-380", shows: "the answer is the text inside <answer>…</answer> when </answer> is present", checked: true },
  ],
  unconfirmed: ["the output format is inferred from the authors' extraction code; no sample output was seen"],
};

export const VL_RETHINKER: ProfileInput = {
  id: "vl-rethinker",
  family: "VL-Rethinker",
  models: ["TIGER-Lab/VL-Rethinker-7B"],
  kind: "reasoning",
  system_prompt: null,
  exchange: {
    kind: "single",
    user: "{question}\n\nPlease reason step by step, and put your final answer within \\boxed{}",
    layout: "{thinking}\n\n{answer}",
  },
  rules: [],
  separation: {
    kind: "none",
    note: "VL-Rethinker reasons in free text (with 'Wait…' self-checks) and ends with \\boxed{}; nothing marks where the reasoning ends, so the whole output is judged as the answer and there is no thinking to judge apart",
  },
  sources: [
    { ref: "TIGER-AI-Lab/VL-Rethinker@dd2c17d README.md:148-153", shows: "append '\\n\\nPlease reason step by step, and put your final answer within \\boxed{}' to the question", checked: true },
    { ref: "TIGER-AI-Lab/VL-Rethinker@dd2c17d openrlhf/datasets/prompts_dataset.py:41", shows: "the training prompt (the same words with a closing period)", checked: true },
  ],
  unconfirmed: [],
};

export const LLAVA_COT: ProfileInput = {
  id: "llava-cot",
  family: "LLaVA-CoT",
  models: ["Xkev/Llama-3.2V-11B-cot"],
  kind: "reasoning",
  system_prompt: null,
  exchange: {
    kind: "single",
    user: "{question}",
    layout: "<SUMMARY>{thinking}</SUMMARY>\n\n<CAPTION>{thinking}</CAPTION>\n\n<REASONING>{thinking}</REASONING>\n\n<CONCLUSION>{answer}</CONCLUSION>",
  },
  rules: [LLAVA_COT_STAGES],
  separation: { kind: "markup" },
  generation: { temperature: 0.6, top_p: 0.9, max_tokens: 2048 },
  serving: ["no vLLM reasoning parser; the stages arrive in the content"],
  sources: [
    { ref: "PKU-YuanGroup/LLaVA-CoT@081cc3f README.md:54", shows: "the stages <SUMMARY>, <CAPTION>, <REASONING>, <CONCLUSION>, emitted unprompted", checked: true },
    { ref: "PKU-YuanGroup/LLaVA-CoT@081cc3f inference/demo/simple_inference.py:77,128,313-314", shows: "sampling at temperature 0.6, top_p 0.9, 2048 tokens; the answer is <CONCLUSION>(.*?)</CONCLUSION>", checked: true },
    { ref: "https://github.com/PKU-YuanGroup/LLaVA-CoT/issues/16", shows: "the checkpoint can write '(Here begins the SUMMARY stage) … (Here ends the CONCLUSION stage)' instead of tags", checked: true },
  ],
  unconfirmed: ["which of the two stage forms (tags or '(Here begins … stage)') a served checkpoint writes; both are read"],
};

export const LLAMAV_O1: ProfileInput = {
  id: "llamav-o1",
  family: "LlamaV-o1",
  models: ["omkarthawakar/LlamaV-o1"],
  kind: "reasoning",
  system_prompt: null,
  exchange: {
    kind: "dialogue",
    source: "dialogue_turns",
    turns: [
      { user: "{question}\nSummarize how you will approach the problem and explain the steps you will take to reach the answer.", role: "thinking", heading: "Summary" },
      { user: "Provide a detailed description of the image, particularly emphasizing the aspects related to the question.", role: "thinking", heading: "Caption" },
      { user: "Provide a chain-of-thought, logical explanation of the problem. This should outline step-by-step reasoning.", role: "thinking", heading: "Reasoning" },
      { user: "State the final answer in a clear and direct format. It must match the correct answer exactly.", role: "answer", generation: { max_tokens: 50 } },
    ],
  },
  rules: [],
  separation: { kind: "markup" },
  generation: { temperature: 0.6, top_p: 0.9, max_tokens: 1024 },
  serving: ["no reasoning parser; each turn's reply is plain text. The authors decode with 4 beams, which the OpenAI API cannot ask for"],
  sources: [
    { ref: "mbzuai-oryx/LlamaV-o1@4dbd692 eval/inference.py:26-30", shows: "the four turn prompts and max_new_tokens 1024", checked: true },
    { ref: "mbzuai-oryx/LlamaV-o1@4dbd692 eval/inference.py:31-86", shows: "the dialogue: image and question with the summary prompt, then caption, reasoning and conclusion turns with the earlier replies in the conversation; sampling at temperature 0.6, top_p 0.9; the conclusion limited to 50 tokens", checked: true },
    { ref: "mbzuai-oryx/LlamaV-o1@4dbd692 eval/inference.py:126", shows: "the stored response is the reasoning reply, then the answer", checked: true },
    { ref: "mbzuai-oryx/LlamaV-o1@4dbd692 eval/llamav-o1.py:18-75", shows: "the same four turns in the authors' sample inference", checked: true },
  ],
  unconfirmed: ["the single-turn output format (the card lists LLaVA-CoT-100k as training data, so it may write LLaVA-CoT's stages; they are read in any turn)"],
};

export const MULBERRY: ProfileInput = {
  id: "mulberry",
  family: "Mulberry",
  models: ["HuanjinYao/Mulberry_qwen2vl_7b"],
  kind: "reasoning",
  system_prompt: "You are a helpful assistant.",
  exchange: {
    kind: "single",
    user: "Generate an image description based on the question.\nThen, provide a rationale to analyze the question.\nNext, generate a step-by-step reasoning process to solve the problem. Ensure the steps are logical and concise.\nFinally, provide a concise summary of the final answer in the following format: 'The final answer is: xxx'. If the question is multiple-choice, provide the options along with their content. If it is free-form, directly present the final result. Do not provide any explanation.\n\nFormat your response with the following sections, separated by ###:\n### Image Description:\n### Rationales:\n### Let's think step by step.\n### Step 1:\n### Step 2:\n...\n### The final answer is: \n\n{question}",
    layout: "### Image Description:\n{thinking}\n\n### Rationales:\n{thinking}\n\n### Let's think step by step.\n### Step 1:\n{thinking}\n\n### The final answer is: {answer}",
  },
  rules: [MULBERRY_FINAL_ANSWER],
  separation: { kind: "markup" },
  // Their Qwen decoding is top_k=1: greedy.
  generation: { temperature: 0, max_tokens: 1024 },
  serving: ["no reasoning parser; the sections arrive in the content"],
  sources: [
    { ref: "HJYao00/Mulberry@a49cab5 infer.py:10-24", shows: "the user prompt with its ### sections, the question last", checked: true },
    { ref: "HJYao00/Mulberry@a49cab5 infer.py:64-79,93-99", shows: "the Qwen path sends the system prompt 'You are a helpful assistant.'; greedy (top_k 1), 1024 new tokens", checked: true },
    { ref: "HJYao00/Mulberry@a49cab5 infer.py:113-115", shows: "the answer is the text after '### The final answer is:'", checked: true },
  ],
  unconfirmed: [],
};

export const KIMI_VL_THINKING: ProfileInput = {
  id: "kimi-vl-thinking",
  family: "Kimi-VL Thinking",
  models: ["moonshotai/Kimi-VL-A3B-Thinking", "moonshotai/Kimi-VL-A3B-Thinking-2506"],
  kind: "reasoning",
  system_prompt: null,
  exchange: { kind: "single", user: "{question}", layout: "◁think▷{thinking}◁/think▷{answer}" },
  rules: [KIMI_THINK],
  separation: { kind: "markup" },
  // VLMEvalKit's settings for A3B-Thinking; for -2506 it uses temperature 0.8 and 32768 tokens.
  generation: { temperature: 0, max_tokens: 4096 },
  serving: ["vLLM has no parser for ◁think▷ (its kimi_k2 parser reads <think>): serve without one; SGLang: --reasoning-parser kimi"],
  sources: [
    { ref: `${VLMEVALKIT} vlmeval/vlm/kimi_vl.py:38-43`, shows: "extract_summary: ◁think▷ without ◁/think▷ gives an empty answer; otherwise the text after ◁/think▷", checked: true },
    { ref: `${VLMEVALKIT} vlmeval/vlm/kimi_vl.py:50-52,137-141`, shows: "temperature 0, 4096 tokens by default; decoded with skip_special_tokens=True, the markers survive", checked: true },
    { ref: `${VLMEVALKIT} vlmeval/config.py:2298-2300`, shows: "Kimi-VL-A3B-Thinking with defaults; -2506 with temperature 0.8, max_tokens 32768, extract_summary", checked: true },
    { ref: "sgl-project/sglang@002e9bf python/sglang/srt/parser/reasoning_parser.py", shows: "SGLang's 'kimi' detector for ◁think▷ (from the team notes)", checked: false },
  ],
  unconfirmed: ["the Hugging Face chat template (read only through third-party copies of the card)"],
};

export const QVQ: ProfileInput = {
  id: "qvq",
  family: "QVQ",
  models: ["Qwen/QVQ-72B-Preview"],
  kind: "reasoning",
  system_prompt: "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think step-by-step.",
  exchange: { kind: "single", user: "{question}", layout: "{thinking}\n\n**Final Answer**\n\n{answer}" },
  rules: [FINAL_ANSWER_HEADING],
  separation: {
    kind: "heuristic",
    note: "QVQ thinks in a free monologue with no thinking marker; thinksafe separates it only where the output ends with a '**Final Answer**' heading (QwQ-Preview's convention, a heuristic: reasoning_source final_answer_heading_heuristic). Without that heading the whole output is judged as the answer",
  },
  generation: { max_tokens: 8192 },
  serving: ["no vLLM reasoning parser fits"],
  sources: [
    { ref: `${VLMEVALKIT} vlmeval/config.py:1921-1929`, shows: "the system prompt, 8192 new tokens, and the full text kept (post_process=False)", checked: true },
    { ref: NOTES, shows: "the answer usually follows the last '**Final Answer**' (a QwQ-Preview convention)", checked: false },
  ],
  unconfirmed: ["the '**Final Answer**' heading: a QwQ-Preview convention with no official extractor for QVQ"],
};
