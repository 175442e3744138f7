// A model profile: how one model family is prompted and how its output is read, as data. One
// validated record per family (src/models/profiles/); the one splitter (thinking.ts), the request
// builder (src/eval/request.ts) and the simulator read these records and hold no per-family code.
import { z } from "zod";
import { canonicalJson } from "../canonical.ts";
import { sha256 } from "../provenance.ts";

/**
 * Literal marker strings. A space inside a marker matches any run of whitespace, none included
 * (`<answer> Final Answer:` also matches `<answer>Final Answer:`); everything else is literal.
 */
const Markers = z.array(z.string().min(1)).readonly();

/** Text between an opener and a closer. A heading (LLaVA-CoT's stages) titles the block's text in the thinking. */
const Block = z
  .object({
    open: Markers,
    close: Markers,
    heading: z.string().min(1).optional(),
  })
  .strict();

/**
 * One way of marking thinking and answer in a reply. Markers are removed from the text; every
 * other character ends up in the thinking or the answer, never dropped.
 */
const MarkupRule = z
  .object({
    /** Recorded as `reasoning_source` when this rule splits a response. */
    id: z.string().regex(/^[a-z0-9_]+$/),
    /** Blocks of thinking. */
    thinking: z.array(Block).readonly(),
    /**
     * The answer's own block. Without closers the answer runs from the LAST opener to the end (an
     * earlier opener belongs to the thinking); with closers every answer block is answer text.
     */
    answer: Block.omit({ heading: true }).optional(),
    /**
     * Where text outside every block goes until an answer opener is seen: "answer" (`<think>`
     * blocks, whatever is around them is the answer) or "thinking" (everything before the answer
     * marker is thinking: LLaVA-CoT, Mulberry, QVQ). After an answer opener it is always answer.
     */
    outside: z.enum(["answer", "thinking"]),
    /** The chat template writes the first thinking opener, so the reply starts inside the thinking. */
    prefilled: z.boolean().default(false),
    /** Markers that end an unclosed thinking block when no closer of it follows; they stay in the answer (vLLM's `<tool_call>` rule). */
    implicit_close: Markers.default([]),
    /** Text that shows the reply uses this rule's format without being removed (Mulberry's `###` sections). */
    cues: Markers.default([]),
    /** Markers removed from the answer wherever they are (GLM's box tokens). */
    strip: Markers.default([]),
    ignore_case: z.boolean().default(false),
  })
  .strict();

/** Sampling settings a profile recommends; the experiment's own settings override them field by field. */
const Generation = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    max_tokens: z.int().positive().optional(),
    stop: z.array(z.string().min(1)).max(4).optional(),
  })
  .strict();

const QUESTION = "{question}";

const DialogueTurn = z
  .object({
    /** The user message of this turn; the first one holds {question} (and the images). */
    user: z.string().min(1),
    /** What the reply to this turn is: part of the thinking (under `heading`) or the answer. */
    role: z.enum(["thinking", "answer"]),
    heading: z.string().min(1).optional(),
    /** Settings for this turn only, over the profile's (LlamaV-o1's 50-token conclusion). */
    generation: Generation.default({}),
  })
  .strict();

/** How a question is put to the model: one user message, or the authors' dialogue of several turns. */
const Exchange = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("single"),
      /** The user message, with {question} where the benchmark's prompt goes. */
      user: z.string().min(1),
      /** What one reply of the family looks like, with {thinking} and {answer}: shown to users, spoken by the simulator. */
      layout: z.string().min(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal("dialogue"),
      turns: z.array(DialogueTurn).min(2),
      /** reasoning_source of a dialogue's split. */
      source: z.string().regex(/^[a-z0-9_]+$/),
    })
    .strict(),
]);

/** Whether thinking and answer can be told apart in this family's output, and how sure that is. */
const Separation = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("markup") }).strict(),
  z.object({ kind: z.literal("heuristic"), note: z.string().min(1) }).strict(),
  z.object({ kind: z.literal("none"), note: z.string().min(1) }).strict(),
]);

const Source = z
  .object({
    /** `owner/repo@commit path:lines`, an issue URL, or a page. */
    ref: z.string().min(1),
    /** What the source shows. */
    shows: z.string().min(1),
    /** Read at that commit for this profile; false: taken from shared/notes/model-formats.md and not re-read. */
    checked: z.boolean(),
  })
  .strict();

export const ProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    /** The family as people name it. */
    family: z.string().min(1),
    /** Model names (Hugging Face repositories) the profile is for; empty for the generic profiles. */
    models: z.array(z.string().min(1)).readonly(),
    kind: z.enum(["reasoning", "base", "generic"]),
    /** Sent as the system message unless the experiment sets its own; null sends none. */
    system_prompt: z.string().min(1).nullable(),
    exchange: Exchange,
    /** Tried in order before the generic rules (think tags, LLaVA-CoT's stages). */
    rules: z.array(MarkupRule).readonly(),
    separation: Separation,
    generation: Generation.default({}),
    /** How to serve the family so the output keeps its markers (vLLM flags, decoding). */
    serving: z.array(z.string().min(1)).default([]),
    sources: z.array(Source).min(1, "a profile needs at least one source"),
    /** What could not be confirmed; empty when the format is confirmed. */
    unconfirmed: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .superRefine((profile, context) => {
    const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: "custom", path, message });
    const firstUser = profile.exchange.kind === "single" ? profile.exchange.user : profile.exchange.turns[0]!.user;
    if (firstUser.split(QUESTION).length !== 2) issue(["exchange"], `the first user message must hold ${QUESTION} exactly once`);
    if (profile.exchange.kind === "single") {
      const { layout } = profile.exchange;
      if (!layout.includes("{answer}")) issue(["exchange", "layout"], "the layout must hold {answer}");
      if (profile.separation.kind === "markup" && !layout.includes("{thinking}") && profile.kind === "reasoning") {
        issue(["exchange", "layout"], "a reasoning profile's layout must hold {thinking}");
      }
    } else {
      const turns = profile.exchange.turns;
      turns.slice(1).forEach((turn, i) => turn.user.includes(QUESTION) && issue(["exchange", "turns", i + 1, "user"], `only the first turn holds ${QUESTION}`));
      if (turns.at(-1)!.role !== "answer" || turns.slice(0, -1).some((t) => t.role !== "thinking")) {
        issue(["exchange", "turns"], "a dialogue is thinking turns followed by one answer turn");
      }
    }
    if (profile.kind === "generic" && profile.models.length > 0) issue(["models"], "a generic profile names no models");
    if (profile.kind !== "generic" && profile.models.length === 0) issue(["models"], "name the models the profile is for");
    profile.rules.forEach((rule, r) => {
      if (rule.prefilled && rule.thinking.length === 0) issue(["rules", r, "prefilled"], "a prefilled rule needs a thinking block");
      if (rule.thinking.length === 0 && !rule.answer) issue(["rules", r], "a rule needs a thinking block or an answer block");
    });
  });

export type Profile = z.output<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
export type MarkupRule = z.output<typeof MarkupRule>;
export type MarkupRuleInput = z.input<typeof MarkupRule>;
export type MarkupBlock = z.output<typeof Block>;
export type DialogueTurn = z.output<typeof DialogueTurn>;
export type ProfileGeneration = z.output<typeof Generation>;

/** Validates a profile record; the message names the profile and the field. */
export function parseProfile(input: ProfileInput): Profile {
  const result = ProfileSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`profile "${String(input.id)}": ${issue.path.map(String).join(".") || "record"}: ${issue.message}`);
}

export function parseRule(input: MarkupRuleInput): MarkupRule {
  return MarkupRule.parse(input);
}

/** The user message of a single-turn profile, or of a dialogue's first turn, for this question. */
export function userMessage(template: string, question: string): string {
  return template.replace(QUESTION, () => question);
}

/**
 * What of the profile shapes the request, beyond the system prompt and sampling settings (which the
 * cache key holds already): the user template when it is not the bare question, the dialogue's
 * turns. Null when the profile sends the question as is, so that such a request keeps the cache key
 * it had before profiles existed.
 */
export function requestShape(profile: Profile): object | null {
  const { exchange } = profile;
  if (exchange.kind === "dialogue") return { dialogue: exchange.turns.map((t) => ({ user: t.user, generation: t.generation })) };
  return exchange.user === QUESTION ? null : { user_template: exchange.user };
}

/** sha256 of the canonical record: recorded with every run, part of the experiment's identity. */
export function profileHash(profile: Profile): string {
  return sha256(canonicalJson(profile));
}

/**
 * A reply in the family's layout: the i-th {thinking} gets thinkingParts[i] (missing parts are
 * empty), {answer} the answer. The simulator speaks profiles through this; tests split it back.
 */
export function renderLayout(layout: string, thinkingParts: readonly string[], answer: string): string {
  let part = 0;
  return layout.replace(/\{thinking\}|\{answer\}/g, (slot) => (slot === "{answer}" ? answer : (thinkingParts[part++] ?? "")));
}

/** How many {thinking} slots a layout has. */
export function thinkingSlots(layout: string): number {
  return layout.split("{thinking}").length - 1;
}
