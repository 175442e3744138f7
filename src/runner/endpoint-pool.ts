// Concurrency per endpoint. A model's base URLs are replicas of one endpoint: each request goes to
// the replica with the lowest load. Each replica allows at most `limit` requests in flight, and the
// limit adapts like TCP's congestion window: a 429 halves it and pauses that replica for its
// Retry-After; each success grows it back by 1/limit, up to the configured maximum.

export class Replica<T> {
  private window: number;
  private active = 0;
  private pausedUntil = 0;

  constructor(
    readonly target: T,
    readonly max: number,
  ) {
    this.window = max;
  }

  get inFlight(): number {
    return this.active;
  }

  get limit(): number {
    return Math.max(1, Math.floor(this.window));
  }

  pausedFor(now: number): number {
    return Math.max(0, this.pausedUntil - now);
  }

  /** In-flight share of the current limit; Infinity when full or paused. */
  load(now: number): number {
    return now < this.pausedUntil || this.active >= this.limit ? Number.POSITIVE_INFINITY : this.active / this.limit;
  }

  take(): void {
    this.active++;
  }

  give(outcome: Outcome, now: number): void {
    this.active--;
    if (outcome.rateLimited) {
      this.window = Math.max(1, this.window / 2);
      this.pausedUntil = Math.max(this.pausedUntil, now + (outcome.retryAfterMs ?? 1000));
    } else {
      this.window = Math.min(this.max, this.window + 1 / this.window);
    }
  }
}

export type Outcome = { rateLimited: false } | { rateLimited: true; retryAfterMs?: number };

export class EndpointPool<T> {
  readonly replicas: Replica<T>[];
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(targets: readonly T[], maxPerReplica: number, private readonly now: () => number = Date.now) {
    this.replicas = targets.map((target) => new Replica(target, maxPerReplica));
  }

  /** The most requests this pool will ever have in flight. */
  get capacity(): number {
    return this.replicas.reduce((sum, r) => sum + r.max, 0);
  }

  /** Resolves with the least-loaded replica that has room, waiting for one if none has. */
  async acquire(): Promise<Replica<T>> {
    for (;;) {
      const replica = this.leastLoaded();
      if (replica) {
        replica.take();
        return replica;
      }
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.wakeWhenPauseEnds();
      });
    }
  }

  release(replica: Replica<T>, outcome: Outcome): void {
    replica.give(outcome, this.now());
    // One slot freed: one waiter may take it. A paused replica frees nothing until its pause ends.
    if (!outcome.rateLimited) this.waiting.shift()?.();
    else this.wakeWhenPauseEnds();
  }

  private leastLoaded(): Replica<T> | undefined {
    const now = this.now();
    let best: Replica<T> | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const replica of this.replicas) {
      const load = replica.load(now);
      if (load < bestLoad) [best, bestLoad] = [replica, load];
    }
    return best;
  }

  private wakeWhenPauseEnds(): void {
    if (this.timer || this.waiting.length === 0) return;
    const now = this.now();
    const pauses = this.replicas.map((r) => r.pausedFor(now)).filter((ms) => ms > 0);
    if (pauses.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const wake of this.waiting.splice(0)) wake();
    }, Math.min(...pauses));
  }
}
