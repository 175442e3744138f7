// Dialogues (LlamaV-o1's four turns): every row's turns asked in sequence, each turn with the
// earlier replies in the conversation. Turns go in rounds — all first turns, then all second turns
// of the dialogues still going, … — through the same runner (online or Batch API) and cache as
// single requests. Each turn is cached under a key that includes the replies it follows, so a
// killed run asks only the turns it has no reply for, and a row is done when its last turn is.
import type { CachedResponse } from "../runner/cached-response.ts";
import type { Result, WorkItem } from "../runner/run.ts";
import { requestBody, turnKey } from "./request.ts";
import type { PlannedRow } from "./plan.ts";

/** A row's outcome: a single reply, or a dialogue's replies in turn order. */
export type RowResult = Result & { turns?: readonly CachedResponse[] };

/** Asks one round of requests (each for the row at `index`); results in the same order. */
export type Ask = (entries: ReadonlyArray<{ index: number; item: WorkItem }>) => Promise<Result[]>;

export interface DialogueOptions {
  imageMaxSide: number | undefined;
  /** Most pixels an image may have (the experiment's limits.image_megapixels). */
  maxPixels?: number;
  /** A row's dialogue ended: answered in full, or stopped by a turn that failed. */
  onRow?: (index: number, result: RowResult) => void;
  log?: (line: string) => void;
}

/** The outcome of every dialogue row, by its index in the plan. */
export async function runDialogues(rows: ReadonlyArray<{ index: number; row: PlannedRow }>, ask: Ask, options: DialogueOptions): Promise<Map<number, RowResult>> {
  const done = new Map<number, RowResult>();
  const replies = new Map<number, CachedResponse[]>(rows.map(({ index }) => [index, []]));
  const attempts = new Map<number, number>();
  // Whether every turn so far came from the cache (a row is "cached" only if all of them did).
  const allCached = new Map<number, boolean>();
  const turnsOf = (row: PlannedRow) => (row.model.profile.exchange.kind === "dialogue" ? row.model.profile.exchange.turns.length : 1);
  const rounds = Math.max(0, ...rows.map(({ row }) => turnsOf(row)));
  for (let turn = 0; turn < rounds; turn++) {
    const going = rows.filter(({ index, row }) => !done.has(index) && turn < turnsOf(row));
    if (going.length === 0) break;
    options.log?.(`[eval] dialogue turn ${turn + 1} of ${rounds}: ${going.length.toLocaleString("en-US")} dialogues`);
    const entries = going.map(({ index, row }) => {
      const history = replies.get(index)!.map((reply) => reply.content ?? "");
      const item: WorkItem = {
        key: turnKey(row.key, turn, history),
        endpoint: row.model.id,
        body: () => requestBody(row.model, row.sample, row.repeat, options.imageMaxSide, { turn, history }, options.maxPixels),
      };
      return { index, item };
    });
    const answers = await ask(entries);
    going.forEach(({ index, row }, i) => {
      const answer = answers[i]!;
      attempts.set(index, (attempts.get(index) ?? 0) + answer.attempts);
      const finish = (result: RowResult) => {
        done.set(index, result);
        options.onRow?.(index, result);
      };
      if (!answer.ok) {
        finish({ ...answer, error: `turn ${turn + 1} of ${turnsOf(row)}: ${answer.error}`, attempts: attempts.get(index)! });
        return;
      }
      const turns = [...replies.get(index)!, answer.response];
      replies.set(index, turns);
      allCached.set(index, (allCached.get(index) ?? true) && answer.cached);
      if (turns.length === turnsOf(row)) {
        finish({ ok: true, response: dialogueResponse(row.key, turns), turns, cached: allCached.get(index)!, attempts: attempts.get(index)! });
      }
    });
  }
  return done;
}

/**
 * One response standing for a whole dialogue, for the columns that describe a response: the last
 * turn's reply and finish reason, tokens and latency summed over the turns.
 */
export function dialogueResponse(key: string, turns: readonly CachedResponse[]): CachedResponse {
  const last = turns.at(-1)!;
  const sum = (field: "prompt_tokens" | "completion_tokens") => (turns.every((t) => t[field] !== null) ? turns.reduce((n, t) => n + t[field]!, 0) : null);
  return {
    ...last,
    key,
    prompt_tokens: sum("prompt_tokens"),
    completion_tokens: sum("completion_tokens"),
    latency_ms: turns.reduce((n, t) => n + t.latency_ms, 0),
    simulated: turns.some((t) => t.simulated),
  };
}
