// Where generation ends: at the first stop string (excluded, as vLLM does by default) or after
// `max_tokens` whitespace-separated words, whichever comes first in generation order.
import { wordCount, type Segment } from "./generate.ts";

export interface Limits {
  maxTokens?: number;
  stop: readonly string[];
}

export interface Limited {
  /** The same segments, cut; segments after the cut are empty. */
  segments: Segment[];
  finishReason: "stop" | "length";
  /** The stop string that ended generation, as vLLM reports it. */
  stopReason: string | null;
  completionTokens: number;
}

interface Cut {
  segment: number;
  offset: number;
}

export function applyLimits(segments: readonly Segment[], limits: Limits): Limited {
  const stopAt = firstStop(segments, limits.stop);
  const lengthAt = limits.maxTokens === undefined ? undefined : afterWords(segments, limits.maxTokens);
  let cut: Cut | undefined;
  let finishReason: Limited["finishReason"] = "stop";
  let stopReason: string | null = null;
  if (stopAt && (!lengthAt || isBefore(stopAt, lengthAt))) {
    cut = stopAt;
    stopReason = stopAt.stop;
  } else if (lengthAt) {
    cut = lengthAt;
    finishReason = "length";
  }
  const kept = cut
    ? segments.map((s, i) => ({ field: s.field, text: i < cut.segment ? s.text : i === cut.segment ? s.text.slice(0, cut.offset) : "" }))
    : segments.map((s) => ({ ...s }));
  return { segments: kept, finishReason, stopReason, completionTokens: kept.reduce((sum, s) => sum + wordCount(s.text), 0) };
}

function isBefore(a: Cut, b: Cut): boolean {
  return a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);
}

/** The earliest occurrence of any stop string; segments come in generation order. */
function firstStop(segments: readonly Segment[], stops: readonly string[]): (Cut & { stop: string }) | undefined {
  for (const [segment, { text }] of segments.entries()) {
    let best: (Cut & { stop: string }) | undefined;
    for (const stop of stops) {
      const offset = stop === "" ? -1 : text.indexOf(stop);
      if (offset >= 0 && (!best || offset < best.offset)) best = { segment, offset, stop };
    }
    if (best) return best;
  }
  return undefined;
}

/** The end of word `count` when more words follow it; undefined when everything fits. */
function afterWords(segments: readonly Segment[], count: number): Cut | undefined {
  let seen = 0;
  let end: Cut | undefined;
  for (const [segment, { text }] of segments.entries()) {
    for (const match of text.matchAll(/\S+/g)) {
      if (end) return end;
      seen += 1;
      if (seen === count) end = { segment, offset: match.index + match[0].length };
    }
  }
  return undefined;
}
