// What one endpoint answer or one data file may cost, by default. Experiments override them under
// `limits:` (experiments/spec.ts); past a limit, the answer or the sample fails with a named row
// error (response_too_large, image_too_large) and the run goes on.

/** Largest answer read, in bytes: far above any real chat completion, far below what hurts memory. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Largest image, in pixels from its header: a 50 MP RGBA decode takes 200 MB; 20000² would take 1.6 GB. */
export const DEFAULT_MAX_IMAGE_PIXELS = 50_000_000;

/**
 * Most bytes a PNG or JPEG within `maxPixels` can take: 8 a pixel (16-bit RGBA, stored uncompressed)
 * and 16 MiB of chunks around them. A file larger than that is not read at all (a 10 GB file named
 * .png would otherwise be read whole to find out).
 */
export function maxImageBytes(maxPixels: number): number {
  return 8 * maxPixels + 16 * 1024 * 1024;
}

export interface Limits {
  maxResponseBytes: number;
  maxImagePixels: number;
}

export const DEFAULT_LIMITS: Limits = { maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES, maxImagePixels: DEFAULT_MAX_IMAGE_PIXELS };

export function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

export function megapixels(pixels: number): string {
  return `${Math.round(pixels / 100_000) / 10} MP`;
}
