// Whether a base model can be fine-tuned on a training file: a file whose examples carry images
// needs a model whose fine-tuning takes images. OpenAI documents vision fine-tuning for
// gpt-4o-2024-08-06 (platform guide "Vision fine-tuning"); Azure OpenAI also for gpt-4.1-2025-04-14
// (learn.microsoft.com, "Vision fine-tuning", model support). The text-only models below take
// fine-tuning but not image inputs in training data. A model in neither list (another provider's,
// a simulator's) is not judged.
import { UsageError } from "../errors.ts";

/** Base models whose fine-tuning takes image inputs. */
export const VISION_FINETUNE_MODELS: readonly string[] = ["gpt-4o-2024-08-06", "gpt-4.1-2025-04-14"];

/** Base models OpenAI fine-tunes on text only. */
export const TEXT_ONLY_FINETUNE_MODELS: readonly string[] = [
  "gpt-4o-mini-2024-07-18",
  "gpt-4.1-mini-2025-04-14",
  "gpt-4.1-nano-2025-04-14",
  "gpt-3.5-turbo-0125",
  "gpt-3.5-turbo-1106",
  "gpt-3.5-turbo-0613",
  "babbage-002",
  "davinci-002",
];

export interface TrainingFileFacts {
  examples: number;
  /** Examples with at least one image part, and the 1-based line of the first. */
  withImages: number;
  firstImageLine: number | null;
}

/**
 * Counts the examples and those with images, line by line. Lines that do not parse are counted as
 * examples without images: the API's own validation reports them, with their line.
 */
export function trainingFileFacts(bytes: Buffer): TrainingFileFacts {
  let examples = 0;
  let withImages = 0;
  let firstImageLine: number | null = null;
  const text = bytes.toString("utf8");
  let line = 0;
  for (const raw of text.split("\n")) {
    line++;
    if (raw.trim() === "") continue;
    examples++;
    // Cheap first: only lines that mention an image part are parsed.
    if (!raw.includes('"image_url"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      continue;
    }
    if (hasImage(value)) {
      withImages++;
      firstImageLine ??= line;
    }
  }
  return { examples, withImages, firstImageLine };
}

function hasImage(value: unknown): boolean {
  const messages = (value as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return false;
  return messages.some((m) => Array.isArray((m as { content?: unknown } | null)?.content) && ((m as { content: unknown[] }).content).some((p) => (p as { type?: unknown } | null)?.type === "image_url"));
}

/** The model a fine-tuned model (`ft:BASE:org:suffix:id`) was trained from, or the name itself. */
export function baseOf(model: string): string {
  return model.startsWith("ft:") ? (model.split(":")[1] ?? model) : model;
}

/**
 * Refuses a text-only base model for a training file with images (a UsageError naming the file, the
 * first image line and the fix); returns a note when the model is unknown and the file has images.
 */
export function checkBaseModel(model: string, facts: TrainingFileFacts, file: string): string | null {
  if (facts.withImages === 0) return null;
  const base = baseOf(model);
  if (VISION_FINETUNE_MODELS.includes(base)) return null;
  const images = `${facts.withImages.toLocaleString("en-US")} of ${facts.examples.toLocaleString("en-US")} examples in ${file} carry images (the first on line ${facts.firstImageLine})`;
  if (TEXT_ONLY_FINETUNE_MODELS.includes(base)) {
    throw new UsageError(
      `--model ${model}: ${images}, and ${base} is fine-tuned on text only; use a vision-capable base model: --model ${VISION_FINETUNE_MODELS[0]} (OpenAI's vision fine-tuning)`,
    );
  }
  return `${images}; thinksafe cannot tell whether ${model} fine-tunes on images (OpenAI documents vision fine-tuning for ${VISION_FINETUNE_MODELS[0]})`;
}
