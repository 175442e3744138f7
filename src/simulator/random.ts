// Seeded randomness: sha256 digests turned into uniforms and small fast PRNGs, and latency draws.
import { createHash } from "node:crypto";
import type { LatencyConfig } from "./config.ts";

/** A source of uniforms in [0, 1). */
export type Random = () => number;

export function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** A uniform in [0, 1) from 6 bytes (48 bits) of a digest, starting at `offset`. */
export function uniformAt(digest: Buffer, offset: number): number {
  return digest.readUIntBE(offset, 6) / 2 ** 48;
}

/** sfc32 seeded with 16 bytes of a digest from `offset`: fast, and good enough for text and timing. */
export function randomFrom(digest: Buffer, offset = 0): Random {
  let a = digest.readUInt32BE(offset);
  let b = digest.readUInt32BE(offset + 4);
  let c = digest.readUInt32BE(offset + 8);
  let d = digest.readUInt32BE(offset + 12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A PRNG named by a label, e.g. the config seed and what the draws are for. */
export function namedRandom(label: string): Random {
  return randomFrom(sha256(label));
}

/** Milliseconds to wait, drawn from the configured distribution. */
export function drawLatency(latency: LatencyConfig, random: Random): number {
  switch (latency.distribution) {
    case "fixed":
      return latency.mean;
    case "uniform":
      return latency.min + (latency.max - latency.min) * random();
    case "lognormal": {
      // Parameters of the underlying normal that give the configured mean and sd.
      const variance = Math.log(1 + (latency.sd / latency.mean) ** 2);
      const mu = Math.log(latency.mean) - variance / 2;
      const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.exp(mu + Math.sqrt(variance) * normal);
    }
  }
}
