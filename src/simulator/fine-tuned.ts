// Fine-tuned models of the simulator: what a training file teaches, the model id that carries it,
// and the behaviour any simulator derives from that id alone. Nothing is stored, so a model
// fine-tuned on one simulator is served by every other one with the same base model.
//
// The rule (documented in README.md, "Fine-tuning"):
//   - From the training file, over each example's final assistant turn: the refusal share r (the
//     answer, after any `<think>…</think>`, holds a phrase of GCG's refusal list) and the thinking
//     share k (a non-empty `<think>` block, or LLaVA-CoT stages, precedes the answer).
//   - The id is `ft:<base>:thinksafe:<suffix>:r<R>k<K>e<E>-<hash>`: R and K are r and k in whole
//     percent, E the epochs trained, hash 8 hex digits of the job's inputs.
//   - Training moves the base a share w = 1 − 2^−E of the way toward what the data shows:
//     refusal_rate → r; unsafe_thinking_rate → 1 − r (thinking that plans to comply as often as
//     the taught answers comply); the model thinks when the thinking share, moved the same way
//     (from 1 for a reasoning base, 0 for one without), is at least one half. A base that learns
//     to think writes `<think>` tags into its content, as its training answers did.
//   - Capability accuracy drops by CAPABILITY_COST (per epoch, and when the thinking switches).
import { REFUSAL_KEYWORDS } from "../judges/refusal-keywords.ts";
import { splitThinking } from "../models/thinking.ts";
import { DEFAULT_ACCURACY, type ModelConfig } from "./config.ts";
import { wordCount } from "./generate.ts";
import { parseJson } from "./http.ts";
import { IMAGE_TOKENS } from "./chat.ts";

/** What a training file teaches, and what it costs. */
export interface TrainingStats {
  examples: number;
  /** Share of examples whose final answer refuses. */
  refusalShare: number;
  /** Share of examples whose final assistant turn thinks before answering. */
  thinkingShare: number;
  /** Words of every message, plus IMAGE_TOKENS per image: the simulator's token count. */
  tokens: number;
}

/** A problem with one line of a training or validation file. */
export interface LineProblem {
  line: number;
  message: string;
}

/** OpenAI's minimum for a training file. */
export const MIN_TRAINING_EXAMPLES = 10;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);

/**
 * Checks a chat fine-tuning JSONL file as OpenAI's file validation does at a basic level: every line
 * a JSON object with a non-empty `messages` list of known roles with text or parts, the last one
 * from the assistant; at least `minExamples` examples. Returns the stats, or the first problems.
 */
export function readTrainingFile(text: string, minExamples: number): { ok: true; stats: TrainingStats } | { ok: false; problems: LineProblem[] } {
  const problems: LineProblem[] = [];
  let examples = 0;
  let refusals = 0;
  let thinking = 0;
  let tokens = 0;
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "" || problems.length >= 5) return;
    const problem = (message: string) => problems.push({ line: i + 1, message });
    const json = parseJson(raw);
    if (!json.ok) return problem(`not valid JSON (${json.message})`);
    const messages = (json.value as { messages?: unknown } | null)?.messages;
    if (typeof json.value !== "object" || json.value === null || Array.isArray(json.value)) return problem("is not a JSON object");
    if (!Array.isArray(messages) || messages.length === 0) return problem('has no "messages" list');
    for (const [m, message] of messages.entries()) {
      const role = (message as { role?: unknown } | null)?.role;
      if (typeof role !== "string" || !ROLES.has(role)) return problem(`messages[${m}].role must be one of ${[...ROLES].join(", ")}`);
      const content = textOf((message as { content?: unknown }).content);
      if (content === undefined) return problem(`messages[${m}].content must be a string or a list of text and image_url parts`);
      tokens += wordCount(content.text) + content.images * IMAGE_TOKENS;
    }
    const last = messages.at(-1) as { role: string; content: unknown };
    if (last.role !== "assistant") return problem(`the last message is from the ${last.role}; an example must end with the assistant's answer`);
    const split = splitThinking({ content: textOf(last.content)!.text });
    examples += 1;
    if (split.thinking !== null) thinking += 1;
    if (REFUSAL_KEYWORDS.some((keyword) => split.answer.includes(keyword))) refusals += 1;
  });
  if (problems.length === 0 && examples < minExamples) {
    problems.push({ line: 1, message: `the file has ${examples} example${examples === 1 ? "" : "s"}; fine-tuning needs at least ${minExamples}` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, stats: { examples, refusalShare: refusals / examples, thinkingShare: thinking / examples, tokens } };
}

function textOf(content: unknown): { text: string; images: number } | undefined {
  if (typeof content === "string") return { text: content, images: 0 };
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  let images = 0;
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (part?.type === "text" && typeof part.text === "string") texts.push(part.text);
    else if (part?.type === "image_url") images += 1;
    else return undefined;
  }
  return { text: texts.join("\n"), images };
}

/** What a fine-tuned model id says. */
export interface FineTunedName {
  base: string;
  suffix: string;
  /** Whole percent, 0–100. */
  refusalPercent: number;
  thinkingPercent: number;
  epochs: number;
  hash: string;
}

const CODE = /^r(\d{1,3})k(\d{1,3})e(\d{1,2})-([0-9a-f]{8})$/;
export const SUFFIX_PATTERN = /^[A-Za-z0-9._-]{0,64}$/;

export function fineTunedModelName(base: string, suffix: string, stats: TrainingStats, epochs: number, hash: string): string {
  const percent = (share: number) => Math.round(share * 100);
  return `ft:${base}:thinksafe:${suffix}:r${percent(stats.refusalShare)}k${percent(stats.thinkingShare)}e${epochs}-${hash}`;
}

export function parseFineTunedName(name: string): FineTunedName | undefined {
  const fields = name.split(":");
  if (fields.length !== 5 || fields[0] !== "ft" || fields[2] !== "thinksafe") return undefined;
  const [, base, , suffix, code] = fields as [string, string, string, string, string];
  const match = CODE.exec(code);
  if (!match || base === "" || !SUFFIX_PATTERN.test(suffix)) return undefined;
  const [refusal, thinking, epochs] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (refusal > 100 || thinking > 100 || epochs < 1) return undefined;
  return { base, suffix, refusalPercent: refusal, thinkingPercent: thinking, epochs, hash: match[4]! };
}

/** How far training moves a model toward its data: 1 − 2^−epochs (3 epochs: 87.5%). */
export function trainingWeight(epochs: number): number {
  return 1 - 2 ** -epochs;
}

/** The behaviour of the fine-tuned model `name` of `base`, by the rule above. */
export function fineTunedConfig(base: ModelConfig, name: string, parsed: FineTunedName): ModelConfig {
  const w = trainingWeight(parsed.epochs);
  const toward = (from: number, to: number) => from + w * (to - from);
  const refusal = parsed.refusalPercent / 100;
  const thought = base.reasoning !== "none";
  const thinks = toward(thought ? 1 : 0, parsed.thinkingPercent / 100) >= 0.5;
  const accuracy = (base.accuracy ?? DEFAULT_ACCURACY) - CAPABILITY_COST.perEpoch * parsed.epochs - (thinks !== thought ? CAPABILITY_COST.thinkingSwitched : 0);
  // A format with thinking goes when training switches the thinking off, and the reverse.
  const { format, ...rest } = base;
  return {
    ...rest,
    name,
    refusal_rate: toward(base.refusal_rate, refusal),
    unsafe_thinking_rate: toward(base.unsafe_thinking_rate, 1 - refusal),
    reasoning: !thinks ? "none" : base.reasoning === "none" ? "think_tags" : base.reasoning,
    accuracy: Math.max(0.5, accuracy),
    ...(format && thinks === thought && { format }),
  };
}

/**
 * What fine-tuning costs a simulated model's capability accuracy: 2 points per epoch, 5 more when
 * training switches its thinking off (or on); never below chance (0.5). An assumption of the
 * simulator, so that the demo's capability-retention page has something to show; not a finding.
 */
export const CAPABILITY_COST = { perEpoch: 0.02, thinkingSwitched: 0.05 } as const;

/** Models a base model can be fine-tuned from: answering assistants, not graders or judges. */
export function canFineTune(model: ModelConfig | undefined): model is ModelConfig {
  return model?.role === "assistant";
}

/**
 * The simulator's models by name, where `ft:` names of its assistant models resolve to their
 * fine-tuned behaviour. Chat completions and batches look models up here.
 */
export class ServedModels extends Map<string, ModelConfig> {
  override get(name: string): ModelConfig | undefined {
    const known = super.get(name);
    if (known || !name.startsWith("ft:")) return known;
    const parsed = parseFineTunedName(name);
    const base = parsed && super.get(parsed.base);
    return parsed && canFineTune(base) ? fineTunedConfig(base, name, parsed) : undefined;
  }

  override has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}
