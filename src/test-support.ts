// Helpers shared by the unit tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import type { TestContext } from "node:test";

/** A fresh temporary folder, removed when the test ends. */
export async function tempDir(t: TestContext, prefix = "thinksafe-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `promise` rejects with an error of `type` whose message contains every fragment. */
export async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error, ...fragments: string[]): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error.name}: ${error.message}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}
