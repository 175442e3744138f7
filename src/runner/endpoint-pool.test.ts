import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EndpointPool } from "./endpoint-pool.ts";

describe("endpoint pool", () => {
  test("spreads requests over replicas by load and never exceeds each replica's limit", async () => {
    const pool = new EndpointPool(["a", "b"], 2);
    const taken = [await pool.acquire(), await pool.acquire(), await pool.acquire(), await pool.acquire()];
    assert.deepEqual(taken.map((r) => r.target).sort(), ["a", "a", "b", "b"]);
    let fifth = false;
    const waiting = pool.acquire().then((r) => ((fifth = true), r));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fifth, false, "all four slots are busy");
    pool.release(taken[1]!, { rateLimited: false });
    assert.equal((await waiting).target, taken[1]!.target, "the freed slot goes to the waiter");
  });

  test("a 429 halves the replica's limit and pauses it for Retry-After; successes grow it back", async () => {
    let now = 0;
    const pool = new EndpointPool(["a"], 8, () => now);
    const replica = await pool.acquire();
    pool.release(replica, { rateLimited: true, retryAfterMs: 1000 });
    assert.equal(replica.limit, 4);
    assert.equal(replica.load(now), Number.POSITIVE_INFINITY, "paused");
    now = 1000;
    assert.equal(replica.load(now), 0, "the pause is over");
    for (let i = 0; i < 40; i++) {
      replica.take();
      replica.give({ rateLimited: false }, now);
    }
    assert.equal(replica.limit, 8, "back to the maximum, never above it");
  });

  test("a waiter is woken when the pause ends", async () => {
    const pool = new EndpointPool(["a"], 1);
    const first = await pool.acquire();
    const started = Date.now();
    const second = pool.acquire();
    pool.release(first, { rateLimited: true, retryAfterMs: 50 });
    await second;
    assert.ok(Date.now() - started >= 45, "waited for Retry-After");
  });
});
