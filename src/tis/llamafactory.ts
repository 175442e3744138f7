// LLaMA-Factory (github.com/hiyouga/LLaMA-Factory) export: a "sharegpt" data file in its OpenAI-style
// variant (`data/README.md`, "OpenAI Format", and the `mllm_demo` entry of `data/dataset_info.json`):
//   [{"messages": [{"role": "user", "content": "<image>question"}, {"role": "assistant", "content": "<think>…</think>answer"}],
//     "images": ["relative/path.png"]}]
// registered in DIR/dataset_info.json as
//   {"<name>": {"file_name": "<name>.json", "formatting": "sharegpt",
//               "columns": {"messages": "messages", "images": "images"},
//               "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}}}
// with `file_name` relative to DIR (LLaMA-Factory's `dataset_dir`). Image paths are relative to DIR
// too (the images are copied or linked under DIR/images/, export-images.ts): LLaMA-Factory joins
// them to `media_dir`, which defaults to `dataset_dir`. LLaMA-Factory resolves both against the
// folder it runs in, so the training YAMLs say `dataset_dir: .` and are run from DIR; the folder
// then works wherever it is copied. Training YAMLs follow LLaMA-Factory's vision examples
// (`examples/train_lora/qwen3vl_lora_sft.yaml`, `examples/train_full/qwen3vl_full_sft.yaml` at ff6d4d1);
// the chat templates are LLaMA-Factory's `qwen2_vl` (Qwen2-VL and Qwen2.5-VL) and `mllama`
// (Llama-3.2-Vision).
import { resolve } from "node:path";
import { stringify } from "yaml";
import { isPresent } from "../benchmarks/user-images.ts";
import { assistantText, IMAGE_TOKEN, userText, type TisRecord } from "./record.ts";

export interface LlamaFactoryMessage {
  role: "user" | "assistant";
  content: string;
}

export interface LlamaFactoryRow {
  messages: LlamaFactoryMessage[];
  images: string[];
}

/** A record as a data-file row; `images` are the paths the export names its images by (export-images.ts). */
export function llamaFactoryRow(record: TisRecord, images: readonly string[], options: { plainAnswers?: boolean } = {}): LlamaFactoryRow {
  return {
    messages: [
      { role: "user", content: userText(record) },
      { role: "assistant", content: assistantText(record, options) },
    ],
    images: [...images],
  };
}

export function datasetInfoEntry(fileName: string) {
  return {
    file_name: fileName,
    formatting: "sharegpt",
    columns: { messages: "messages", images: "images" },
    tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" },
  };
}

/**
 * The problems of one data-file row (empty when it is sound): user and assistant turns alternate,
 * starting with the user and ending with the assistant; the user turns hold as many `<image>`
 * placeholders as the row has images, and the assistant turns none; every image exists, resolved
 * against `dir` as LLaMA-Factory resolves it.
 */
export function checkLlamaFactoryRow(row: unknown, dir: string): string[] {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return ["expected an object {messages, images}"];
  const { messages, images = [] } = row as { messages?: unknown; images?: unknown };
  const problems: string[] = [];
  if (!Array.isArray(messages) || messages.length === 0) return ["messages: expected a non-empty array"];
  if (!Array.isArray(images) || images.some((image) => typeof image !== "string")) return ["images: expected an array of paths"];
  let placeholders = 0;
  messages.forEach((message: unknown, i) => {
    const expected = i % 2 === 0 ? "user" : "assistant";
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if (role !== expected) problems.push(`messages[${i}].role: expected ${expected} (turns alternate, starting with the user), found ${JSON.stringify(role)}`);
    if (typeof content !== "string" || content.trim() === "") return void problems.push(`messages[${i}].content: expected non-empty text`);
    const count = content.split(IMAGE_TOKEN).length - 1;
    if (role === "assistant" && count > 0) problems.push(`messages[${i}].content: <image> in an assistant turn`);
    placeholders += count;
  });
  if (messages.length % 2 !== 0) problems.push("messages: the last turn must be the assistant's");
  if (placeholders !== images.length) problems.push(`${placeholders} <image> placeholders for ${images.length} images`);
  for (const image of images as string[]) if (!isPresent(resolve(dir, image))) problems.push(`images: ${image} does not exist (resolved against ${dir})`);
  return problems;
}

export type FinetuningMethod = "lora" | "full";

export interface LlamaFactoryBase {
  /** Names the YAML file. */
  id: string;
  model: string;
  template: string;
  /** The reasoning model the study fine-tunes on this architecture (same template). */
  reasoningModel: string;
  extra: Record<string, unknown>;
}

export const LLAMAFACTORY_BASES: readonly LlamaFactoryBase[] = [
  {
    id: "qwen2_5vl_7b",
    model: "Qwen/Qwen2.5-VL-7B-Instruct",
    template: "qwen2_vl",
    reasoningModel: "Fancy-MLLM/R1-Onevision-7B",
    // As LLaMA-Factory's Qwen2.5-VL examples: images at most 512×512 pixels' worth of tokens.
    extra: { image_max_pixels: 262144 },
  },
  {
    id: "llama3_2_11b_vision",
    model: "meta-llama/Llama-3.2-11B-Vision-Instruct",
    template: "mllama",
    reasoningModel: "Xkev/Llama-3.2V-11B-cot",
    extra: {},
  },
];

export const FINETUNING_METHODS: readonly FinetuningMethod[] = ["lora", "full"];

/** DeepSpeed ZeRO-3 settings for the full-SFT YAMLs, written beside them (DEEPSPEED_CONFIG). */
export const DEEPSPEED_CONFIG = "ds_z3_config.json";

/**
 * ZeRO stage 3 with every size left to the trainer ("auto"), the layout Hugging Face's Trainer
 * documents for DeepSpeed; bf16 and fp16 follow the YAML's `bf16: true`.
 */
export function deepspeedZero3(): string {
  const config = {
    train_batch_size: "auto",
    train_micro_batch_size_per_gpu: "auto",
    gradient_accumulation_steps: "auto",
    gradient_clipping: "auto",
    zero_allow_untested_optimizer: true,
    fp16: { enabled: "auto", loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2, min_loss_scale: 1 },
    bf16: { enabled: "auto" },
    zero_optimization: {
      stage: 3,
      overlap_comm: false,
      contiguous_gradients: true,
      sub_group_size: 1e9,
      reduce_bucket_size: "auto",
      stage3_prefetch_bucket_size: "auto",
      stage3_param_persistence_threshold: "auto",
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      stage3_gather_16bit_weights_on_model_save: true,
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * A LLaMA-Factory training YAML (`llamafactory-cli train FILE`) for one base and method on the
 * exported dataset. Hyper-parameters are LLaMA-Factory's example values, not tuned; `cutoff_len`
 * is 4096 because TiS answers carry long thinking. Every path is relative to the YAML's own folder
 * (the export), which is where it is run from; nothing names this machine.
 */
export function trainingYaml(base: LlamaFactoryBase, method: FinetuningMethod, dataset: { name: string }): string {
  const config = {
    model_name_or_path: base.model,
    ...base.extra,
    trust_remote_code: true,
    stage: "sft",
    do_train: true,
    finetuning_type: method,
    ...(method === "lora"
      ? { lora_rank: 8, lora_target: "all" }
      : { freeze_vision_tower: true, freeze_multi_modal_projector: true, freeze_language_model: false, deepspeed: DEEPSPEED_CONFIG }),
    dataset_dir: ".",
    media_dir: ".",
    dataset: dataset.name,
    template: base.template,
    cutoff_len: 4096,
    overwrite_cache: true,
    preprocessing_num_workers: 16,
    dataloader_num_workers: 4,
    output_dir: `saves/${dataset.name}/${base.id}/${method}/sft`,
    logging_steps: 10,
    save_steps: 500,
    plot_loss: true,
    overwrite_output_dir: true,
    save_only_model: false,
    report_to: "none",
    per_device_train_batch_size: 1,
    gradient_accumulation_steps: method === "lora" ? 8 : 2,
    learning_rate: method === "lora" ? 1.0e-4 : 1.0e-5,
    num_train_epochs: 3.0,
    lr_scheduler_type: "cosine",
    warmup_ratio: 0.1,
    bf16: true,
    ddp_timeout: 180000000,
    resume_from_checkpoint: null,
  };
  const header = [
    `# ${method === "lora" ? "LoRA" : "Full"} SFT of ${base.model} on "${dataset.name}" (written by thinksafe tis export).`,
    `# Paths are relative to this file's folder, the export (copy it anywhere, images included): run`,
    `#   cd <this folder> && llamafactory-cli train ${yamlFileName(dataset.name, base, method)}`,
    `# The study fine-tunes ${base.reasoningModel} (same architecture and template "${base.template}"): set model_name_or_path to it.`,
    ...(method === "full" ? [`# ${DEEPSPEED_CONFIG} beside this file holds DeepSpeed's ZeRO-3 settings.`] : []),
  ];
  return `${header.join("\n")}\n${stringify(config, { lineWidth: 0 })}`;
}

export function yamlFileName(name: string, base: LlamaFactoryBase, method: FinetuningMethod): string {
  return `${name}.${base.id}.${method}_sft.yaml`;
}
