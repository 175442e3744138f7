// What is sent for one (model, sample, repeat), and the cache key that identifies it: a hash of
// everything that determines the answer (endpoint without secrets or simulator port, model name, system prompt,
// prompt, image bytes, sampling settings, extra fields, repeat index) and nothing that does not
// (streaming, timeouts, concurrency, the API key).
import { canonicalJson } from "../canonical.ts";
import type { Sample } from "../benchmarks/sample.ts";
import type { ResolvedModel } from "../experiments/load.ts";
import { encodeImage } from "../models/images.ts";
import { sha256 } from "../provenance.ts";
import type { ChatBody } from "../runner/provider.ts";

/** Bump when the request layout changes, so that old cache entries stop matching. */
export const REQUEST_FORMAT = 1;

/** Sampling fields sent; a seed, when set, moves with the repeat so repeats are independent draws. */
export function generationFor(model: ResolvedModel, repeat: number): Record<string, unknown> {
  const { seed, ...rest } = model.generation;
  return { ...rest, ...(seed !== undefined && { seed: seed + repeat }) };
}

export function cacheKey(model: ResolvedModel, sample: Sample, repeat: number, imageMaxSide: number | undefined): string {
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
    }),
  );
}

export async function requestBody(
  model: ResolvedModel,
  sample: Sample,
  repeat: number,
  imageMaxSide: number | undefined,
  maxPixels?: number,
): Promise<ChatBody> {
  const images = await Promise.all(
    sample.images.map((image) => encodeImage({ bytes: image.bytes, name: image.name }, { ...(imageMaxSide && { maxSide: imageMaxSide }), ...(maxPixels && { maxPixels }) })),
  );
  const user = images.length
    ? [
        ...images.map((image) => ({ type: "image_url", image_url: { url: image.dataUri } })),
        { type: "text", text: sample.prompt },
      ]
    : sample.prompt;
  return {
    ...model.extraBody,
    model: model.model,
    messages: [
      ...(model.systemPrompt ? [{ role: "system", content: model.systemPrompt }] : []),
      { role: "user", content: user },
    ],
    ...generationFor(model, repeat),
  };
}
