// What is sent for one (model, sample, repeat), and the cache key that identifies it: a hash of
// everything that determines the answer (endpoint without secrets or simulator port, model name, system prompt,
// prompt, the profile's user template or dialogue, image hashes, sampling settings, extra fields,
// repeat index) and nothing that does not (streaming, timeouts, concurrency, the API key, how the
// reply is split: the split is redone from the cached reply whenever a table is written).
import { canonicalJson } from "../canonical.ts";
import type { Sample } from "../benchmarks/sample.ts";
import type { ResolvedModel } from "../experiments/load.ts";
import type { Generation } from "../experiments/spec.ts";
import { SampleError } from "../errors.ts";
import { encodeSampleImage } from "../models/images.ts";
import { requestShape, userMessage } from "../models/profile.ts";
import { sha256 } from "../provenance.ts";
import type { ChatBody } from "../runner/provider.ts";

/**
 * Bump when the request layout changes, so that old cache entries stop matching. Profiles did not
 * change it: a model whose profile sends the question as is (think-tags, the bases, …) sends the
 * same request under the same key as before; other profiles add their request shape to the key.
 */
export const REQUEST_FORMAT = 1;

/** Sampling fields sent; a seed, when set, moves with the repeat so repeats are independent draws. */
export function generationFor(model: ResolvedModel, repeat: number, turn?: number): Record<string, unknown> {
  const settings: Generation = turn === undefined ? model.generation : (model.turnGenerations?.[turn] ?? model.generation);
  const { seed, ...rest } = settings;
  return { ...rest, ...(seed !== undefined && { seed: seed + repeat }) };
}

export function cacheKey(model: ResolvedModel, sample: Sample, repeat: number, imageMaxSide: number | undefined): string {
  const shape = requestShape(model.profile);
  return sha256(
    canonicalJson({
      format: REQUEST_FORMAT,
      endpoint: model.endpoint,
      model: model.model,
      system: model.systemPrompt,
      prompt: sample.prompt,
      // The source bytes plus the deterministic downscale applied to them.
      images: sample.images.map((image) => image.sha256),
      image_max_side: sample.images.length ? (imageMaxSide ?? null) : null,
      generation: generationFor(model, repeat),
      extra_body: model.extraBody,
      repeat,
      ...(shape && { profile: shape }),
    }),
  );
}

/**
 * The key of one turn of a dialogue: the row's key, the turn, and the replies it follows (so an
 * earlier turn asked again with another reply never meets a later turn that followed the old one).
 */
export function turnKey(rowKey: string, turn: number, history: readonly string[]): string {
  return sha256(canonicalJson({ dialogue: rowKey, turn, history }));
}

/**
 * The request of a single-turn profile, or of turn `turn` of a dialogue after the replies in `history`.
 * An image the benchmark could not use (`unusable`: not an image, too many pixels) or one over
 * `maxPixels` is a SampleError: the sample's requests fail, every turn of a dialogue alike, and the
 * run goes on.
 */
export async function requestBody(
  model: ResolvedModel,
  sample: Sample,
  repeat: number,
  imageMaxSide: number | undefined,
  dialogue?: { turn: number; history: readonly string[] },
  maxPixels?: number,
): Promise<ChatBody> {
  const unusable = sample.images.find((image) => image.unusable);
  if (unusable?.unusable) throw new SampleError(unusable.unusable.kind, { file: unusable.name }, unusable.unusable.problem);
  // Read from their files now, checked against the hashes in the key, and dropped once answered.
  const images = await Promise.all(sample.images.map((image) => encodeSampleImage(image, { ...(imageMaxSide && { maxSide: imageMaxSide }), ...(maxPixels && { maxPixels }) })));
  const { exchange } = model.profile;
  const turns = exchange.kind === "dialogue" ? exchange.turns : [{ user: exchange.user }];
  const turn = dialogue?.turn ?? 0;
  if (turn >= turns.length || (dialogue?.history.length ?? 0) !== turn) {
    throw new Error(`turn ${turn} of a ${turns.length}-turn exchange after ${dialogue?.history.length ?? 0} replies`);
  }
  const text = userMessage(turns[0]!.user, sample.prompt);
  // Each URL is serialised with the body, when it is sent: until then the body holds the bytes.
  const first = images.length ? [...images.map((image) => ({ type: "image_url", image_url: { url: image.uri } })), { type: "text", text }] : text;
  // Earlier turns and their replies, as the authors keep them in the conversation.
  const earlier = (dialogue?.history ?? []).flatMap((reply, i) => [
    { role: "assistant", content: reply },
    { role: "user", content: turns[i + 1]!.user },
  ]);
  return {
    ...model.extraBody,
    model: model.model,
    messages: [...(model.systemPrompt ? [{ role: "system", content: model.systemPrompt }] : []), { role: "user", content: first }, ...earlier],
    ...generationFor(model, repeat, dialogue ? turn : undefined),
  };
}
