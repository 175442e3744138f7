// Progress of a run: done/total, rate, ETA, errors and tokens, redrawn on one terminal line at most
// ten times a second. Off a terminal (a CI log, a file, a pipe) it prints the same line every few
// seconds while something changes, and at least once a minute while nothing does, so a log of a
// three-hour run shows it alive and how far it got.
import type { Result } from "./run.ts";

/** Off a terminal: a line at most this often while the counts move… */
export const LOG_EVERY_MS = 5_000;
/** …and at least this often while they do not. */
const LOG_STALLED_MS = 60_000;

export interface ProgressCounts {
  total: number;
  done: number;
  cached: number;
  errors: number;
  tokens: number;
  errorKinds: Map<string, number>;
}

export class Progress {
  readonly counts: ProgressCounts;
  private readonly started = performance.now();
  private lastDraw = 0;
  /** Off a terminal: the timer that prints lines, the time and done count of the last one. */
  private readonly timer: NodeJS.Timeout | undefined;
  private lastLogged = { at: performance.now(), done: -1 };

  constructor(
    total: number,
    private readonly stream: NodeJS.WriteStream | { isTTY?: boolean; write(text: string): boolean } = process.stderr,
    private readonly label = "eval",
    options: { logEveryMs?: number } = {},
  ) {
    this.counts = { total, done: 0, cached: 0, errors: 0, tokens: 0, errorKinds: new Map() };
    if (!stream.isTTY && total > 0) {
      const every = options.logEveryMs ?? LOG_EVERY_MS;
      // A timer, not each result: a run waiting on slow requests still reports.
      this.timer = setInterval(() => this.log(every), every);
      this.timer.unref();
    }
  }

  private log(every: number): void {
    const now = performance.now();
    const moved = this.counts.done !== this.lastLogged.done;
    if (now - this.lastLogged.at < every - 1 || (!moved && now - this.lastLogged.at < Math.max(LOG_STALLED_MS, every))) return;
    this.lastLogged = { at: now, done: this.counts.done };
    this.stream.write(`${this.line()}\n`);
  }

  record(result: Result): void {
    const c = this.counts;
    c.done++;
    if (result.ok) {
      if (result.cached) c.cached++;
      c.tokens += (result.response.prompt_tokens ?? 0) + (result.response.completion_tokens ?? 0);
    } else {
      c.errors++;
      c.errorKinds.set(result.errorKind, (c.errorKinds.get(result.errorKind) ?? 0) + 1);
    }
    const now = performance.now();
    if (this.stream.isTTY && (now - this.lastDraw > 100 || c.done === c.total)) {
      this.lastDraw = now;
      this.stream.write(`\r\x1b[2K${this.line()}`);
    }
  }

  /** The live line: `[eval] 1,204/20,000 6.0% · 812/s · ETA 0:21 · 3 errors · 1.2M tokens`. */
  line(): string {
    const c = this.counts;
    const seconds = (performance.now() - this.started) / 1000;
    const fresh = c.done - c.cached;
    const rate = seconds > 0 ? fresh / seconds : 0;
    const eta = rate > 0 ? (c.total - c.done) / rate : Number.NaN;
    return [
      `[${this.label}] ${fmt(c.done)}/${fmt(c.total)} ${c.total ? ((100 * c.done) / c.total).toFixed(1) : "100.0"}%`,
      `${rate.toFixed(0)}/s`,
      `ETA ${Number.isFinite(eta) ? clock(eta) : "–"}`,
      `${fmt(c.errors)} error${c.errors === 1 ? "" : "s"}`,
      `${compact(c.tokens)} tokens`,
      ...(c.cached ? [`${fmt(c.cached)} cached`] : []),
    ].join(" · ");
  }

  /** Printed once at the end, on a terminal or not; errors are summarised by kind. */
  finish(): string {
    const c = this.counts;
    const seconds = (performance.now() - this.started) / 1000;
    clearInterval(this.timer);
    if (this.stream.isTTY) this.stream.write("\r\x1b[2K");
    const kinds = [...c.errorKinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${fmt(n)}`);
    return (
      `[${this.label}] ${fmt(c.done)} requests in ${seconds.toFixed(1)} s: ${fmt(c.done - c.cached - c.errors)} answered, ` +
      `${fmt(c.cached)} from cache, ${fmt(c.errors)} failed${kinds.length ? ` (${kinds.join(", ")})` : ""}; ${compact(c.tokens)} tokens`
    );
  }
}

const fmt = (n: number) => n.toLocaleString("en-US");
const compact = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
