// `thinksafe simulate` never outlives the command that started it: it stops on SIGTERM, and when the
// wrapper that started it (as npm's exec runs `sh -c thinksafe …`) is killed, even by SIGKILL, which
// forwards nothing. Each test starts the real executable under real shells and checks that the
// process is gone (its stdout closes) and the port no longer answers.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("./bin.js", import.meta.url));
const SIMULATE = `"${process.execPath}" "${BIN}" simulate --port 0`;

interface Started {
  wrapper: ChildProcess;
  url: string;
  /** Resolves when the simulator's stdout closes: the simulator process has exited. */
  ended: Promise<string>;
}

/** Runs `script` under `sh -c` (not detached: in this process group, as npm runs it) and waits for the simulator to listen. */
async function start(script: string): Promise<Started> {
  const wrapper = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const ended = new Promise<string>((resolve) => wrapper.stdout!.on("close", () => resolve(output)));
  wrapper.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${output}`)), 60_000);
    wrapper.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)\/v1/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { wrapper, url, ended };
}

async function answers(url: string): Promise<boolean> {
  return fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );
}

/** Resolves within `ms` or fails naming what did not happen. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("thinksafe simulate: process hygiene", () => {
  test("SIGTERM stops it cleanly", async () => {
    const started = await start(`exec ${SIMULATE}`);
    assert.ok(await answers(started.url));
    started.wrapper.kill("SIGTERM");
    const output = await within(started.ended, 10_000, "the simulator did not stop");
    assert.match(output, /Simulator stopped \(SIGTERM\)\./);
    assert.equal(await answers(started.url), false, "nothing listens any more");
  });

  test("the wrapper that started it is SIGKILLed: it notices and stops, leaving nothing listening", async () => {
    // `; :` keeps sh from exec-ing the command, so sh is a real parent, as under npm exec.
    const started = await start(`${SIMULATE}; :`);
    assert.ok(await answers(started.url));
    started.wrapper.kill("SIGKILL");
    const output = await within(started.ended, 10_000, "the simulator outlived its SIGKILLed parent");
    assert.match(output, /Simulator stopped \(the command that started it ended\)\./);
    assert.equal(await answers(started.url), false);
  });

  test("an outer wrapper is SIGKILLed while the inner one waits on: the whole command is gone", async () => {
    // npx → sh -c → node: killing npx leaves sh waiting on node; the simulator watches the chain.
    const started = await start(`sh -c '${SIMULATE}; :'; :`);
    assert.ok(await answers(started.url));
    started.wrapper.kill("SIGKILL");
    await within(started.ended, 10_000, "the simulator outlived the command that started it");
    assert.equal(await answers(started.url), false);
  });
});
