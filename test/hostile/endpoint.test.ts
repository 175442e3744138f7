// Hostile endpoints: each way a server can answer badly, run through `thinksafe eval` in a child
// process beside a good model. Every case asserts the named row error, that the good model's rows
// are kept, that nothing bad was cached, that the key appears in no file or line, and that the
// process stayed under 1 GB.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { tempDir } from "../../src/test-support.ts";
import { allFiles, assertNoSecret, cachedKeys, KEY_VARIABLE, responseRows, runCli, SECRET } from "./support.ts";
import { startHostileServer, type HostileServer } from "./server.ts";

let server: HostileServer;
before(async () => {
  server = await startHostileServer();
});
after(() => server.close());

function experiment(bad: ReadonlyArray<{ model: string; stream?: boolean }>, { url = server.url } = {}): string {
  return `id: hostile
models:
  - {id: good, model: good, base_url: "${url}", api_key_env: ${KEY_VARIABLE}}
${bad.map((c) => `  - {id: ${c.model}, model: ${c.model}, base_url: "${url}", api_key_env: ${KEY_VARIABLE}, stream: ${c.stream ?? false}}`).join("\n")}
benchmarks:
  - {id: figstep, subset: tiny, limit: 2}
concurrency: 4
timeout_s: 20
max_attempts: 2
`;
}

type Run = Awaited<ReturnType<typeof evalWith>>;

/** Runs the experiment with the good model and `bad` ones; returns the run, its rows and the cache's keys. */
async function evalWith(t: Parameters<typeof runCli>[0], dir: string, bad: ReadonlyArray<{ model: string; stream?: boolean }>) {
  const file = join(dir, "experiment.yaml");
  await writeFile(file, experiment(bad));
  const run = await runCli(t, dir, ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")]);
  const rows = await responseRows(join(dir, "out", "responses.parquet"));
  return { dir, file, run, rows, cached: new Set(await cachedKeys(join(dir, "cache"))) };
}

/** The case's rows carry its named error and were not cached; the good rows were answered and cached. */
function assertCase(result: Run, c: Case): void {
  const good = result.rows.filter((r) => r.model_id === "good");
  const bad = result.rows.filter((r) => r.model_id === c.model);
  assert.equal(good.length, 2);
  assert.ok(good.every((r) => r.error === null && r.answer === "I can describe the picture: it shows printed text." && result.cached.has(r.cache_key)), "the good model's rows are kept");
  assert.equal(bad.length, 2);
  for (const row of bad) {
    assert.equal(row.error_kind, c.kind, row.error ?? "");
    assert.match(row.error!, c.error);
    assert.ok(!result.cached.has(row.cache_key), "a bad answer is never cached");
  }
}

interface Case {
  model: string;
  stream?: boolean;
  kind: string;
  error: RegExp;
  /** Run in a process of its own, so its memory is its own (the large answers). */
  alone?: true;
}

const CASES: Case[] = [
  { model: "number-content", kind: "invalid_response", error: /not a chat completion \(choices\[0\]\.message\.content is a number \(42\), not a string or null\)/ },
  { model: "object-content", kind: "invalid_response", error: /choices\[0\]\.message\.content is an object, not a string or null/ },
  { model: "choices-object", kind: "invalid_response", error: /choices is an object, not a list/ },
  { model: "choices-empty", kind: "invalid_response", error: /choices is empty/ },
  { model: "choices-not-objects", kind: "invalid_response", error: /choices\[0\] is a string \("x"\), not an object/ },
  { model: "no-message", kind: "invalid_response", error: /choices\[0\]\.message is missing/ },
  { model: "bad-usage", kind: "invalid_response", error: /usage\.prompt_tokens is a string \("five"\), not a whole number/ },
  { model: "lone-surrogate", kind: "invalid_response", error: /content holds an unpaired UTF-16 surrogate/ },
  { model: "invalid-utf8", kind: "invalid_response", error: /the endpoint's answer is not valid UTF-8/ },
  { model: "html", kind: "invalid_response", error: /answered text\/html, not a chat completion .*is base_url the API root/ },
  { model: "headers-no-body", kind: "invalid_response", error: /answered HTTP 200 with headers but no body/ },
  { model: "headers-then-close", kind: "connection", error: /connection failed/ },
  { model: "huge", alone: true, kind: "response_too_large", error: /larger than the 16 MB limit \(while it was read; limits\.response_mb raises it\)/ },
  { model: "huge-announced", alone: true, kind: "response_too_large", error: /larger than the 16 MB limit \(announced 209,715,200 bytes/ },
  { model: "stream-no-done", stream: true, kind: "invalid_response", error: /the event stream ended without data: \[DONE\]/ },
  { model: "stream-bad-utf8", stream: true, kind: "invalid_response", error: /the event stream is not valid UTF-8/ },
  { model: "stream-wrong-type", stream: true, kind: "invalid_response", error: /stream chunk 2: choices\[0\]\.delta\.content is a number \(17\)/ },
  { model: "stream-huge", stream: true, alone: true, kind: "response_too_large", error: /larger than the 16 MB limit \(while the stream was read/ },
  { model: "echo-auth-error", kind: "http_400", error: /invalid request; headers were \{"authorization": "\[redacted\]"\} and key \[redacted\]/ },
];

describe("a hostile endpoint fails its own rows with a named error; the run, the good rows and the key are safe", () => {
  // The small malformed answers share one run (one model each); the large ones run alone.
  const together = CASES.filter((c) => !c.alone);
  let shared: Promise<Run> | undefined;
  const sharedRun = (t: Parameters<typeof runCli>[0]) => (shared ??= mkdtemp(join(tmpdir(), "thinksafe-hostile-")).then((dir) => evalWith(t, dir, together)));
  after(async () => {
    if (shared) await rm((await shared).dir, { recursive: true, force: true });
  });

  test(`${together.length} malformed answers in one run: exit 1, each named in the summary, no key anywhere`, async (t) => {
    const result = await sharedRun(t);
    assert.equal(result.run.code, 1, `exit 1: some rows have no answer\n${result.run.err}`);
    const kinds = new Map<string, number>();
    for (const c of together) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 2);
    const summary = /(\d+) failed \(([^)]*)\)/.exec(result.run.err);
    assert.equal(Number(summary?.[1]), 2 * together.length, result.run.err);
    assert.deepEqual(summary![2]!.split(", ").sort(), [...kinds].map(([kind, n]) => `${kind} ${n}`).sort(), "the summary counts each error kind");
    await assertNoSecret(result.dir, [], result.run.out, result.run.err);
  });

  for (const c of CASES) {
    test(`${c.model}${c.stream ? " (streamed)" : ""} → ${c.kind}`, async (t) => {
      if (!c.alone) return assertCase(await sharedRun(t), c);
      const result = await evalWith(t, await tempDir(t, "thinksafe-hostile-"), [c]);
      assert.equal(result.run.code, 1, result.run.err);
      assertCase(result, c);
      assert.match(result.run.err, new RegExp(`2 failed \\(${c.kind} 2\\)`), "the summary names the error kind");
      await assertNoSecret(result.dir, [], result.run.out, result.run.err);
    });
  }

  test("a wrong-typed answer is asked again by a rerun (it was never cached) and never crashes it", async (t) => {
    const { dir, file, run } = await evalWith(t, await tempDir(t, "thinksafe-hostile-"), [{ model: "number-content" }]);
    assert.equal(run.code, 1);
    const asked = server.requests.get("number-content") ?? 0;
    const again = await runCli(t, dir, ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")]);
    assert.equal(again.code, 1, again.err);
    assert.equal((server.requests.get("number-content") ?? 0) - asked, 2, "both bad rows asked again");
    assert.match(again.err, /2 from cache, 2 failed \(invalid_response 2\)/);
  });

  test("an answer echoing the key is kept with the key removed, in the cache and the Parquet", async (t) => {
    const { dir, run, rows, cached } = await evalWith(t, await tempDir(t, "thinksafe-hostile-"), [{ model: "echo-auth-answer" }]);
    assert.equal(run.code, 0, run.err);
    const bad = rows.filter((r) => r.model_id === "echo-auth-answer");
    assert.equal(bad.length, 2);
    assert.ok(bad.every((r) => r.error === null && r.answer === "You sent Bearer [redacted]." && cached.has(r.cache_key)));
    await assertNoSecret(dir, [], run.out, run.err);
  });

  test("a cache line with valid JSON but wrong types is skipped, reported and asked again", async (t) => {
    const { dir, file, run, rows } = await evalWith(t, await tempDir(t, "thinksafe-hostile-"), []);
    assert.equal(run.code, 0, run.err);
    const good = rows.filter((r) => r.model_id === "good");
    const [path] = await allFiles(join(dir, "cache", "responses"));
    const lines = (await readFile(path!, "utf8")).split("\n");
    const key = good[0]!.cache_key;
    // One entry's content becomes a number, as a cache written by an older version or by hand might hold.
    await writeFile(path!, lines.map((line) => (line.startsWith(key) ? line.replace(/"content":"[^"]*"/, '"content":42') : line)).join("\n"));
    const again = await runCli(t, dir, ["eval", file, "--out", join(dir, "out"), "--cache", join(dir, "cache")]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, new RegExp(`\\[eval\\] cache: .*entry ${key.slice(0, 12)}… skipped \\(content is a number \\(42\\), not a string or null\\); its request is asked again`));
    assert.match(again.err, /1 answered, 1 from cache, 0 failed/);
    const rerun = await responseRows(join(dir, "out", "responses.parquet"));
    assert.ok(rerun.length === 2 && rerun.every((r) => r.error === null));
  });
});

describe("keys never travel in URLs", () => {
  const url = () => server.url.replace("http://", `http://user:${SECRET}@`);

  test("a key inside base_url is refused at load, saying to use api_key_env, before any request and without printing it", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const file = join(dir, "experiment.yaml");
    await writeFile(file, experiment([], { url: url() }));
    const before = server.total();
    const run = await runCli(t, dir, ["eval", file, "--out", join(dir, "out")]);
    assert.equal(run.code, 2);
    assert.match(run.err, /experiment\.yaml:3: models\[0\]\.base_url: the URL holds credentials .*api_key_env/);
    assert.equal(server.total(), before, "nothing was sent");
    await assertNoSecret(dir, [file], run.out, run.err);
  });

  test("a key in a local override's URL or in an endpoint variable is refused the same way", async (t) => {
    const dir = await tempDir(t, "thinksafe-hostile-");
    const file = join(dir, "study.yaml");
    await writeFile(file, experiment([]).replace(`base_url: "${server.url}", api_key_env: ${KEY_VARIABLE}}`, "base_url_env: THINKSAFE_HOSTILE_URL}"));
    const viaEnv = await runCli(t, dir, ["eval", file, "--out", join(dir, "out")], { THINKSAFE_HOSTILE_URL: `${server.url}?api_key=${SECRET}` });
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.err, /models\[0\]\.base_url_env: the environment variable THINKSAFE_HOSTILE_URL holds a URL that holds the query parameter api_key.*api_key_env/);
    await writeFile(join(dir, "study.local.yaml"), `models:\n  - {id: good, base_url: "${url()}"}\n`);
    const viaLocal = await runCli(t, dir, ["eval", file, "--out", join(dir, "out")]);
    assert.equal(viaLocal.code, 2);
    assert.match(viaLocal.err, /study\.local\.yaml: models\[0\]\.base_url: the URL holds credentials/);
    await assertNoSecret(dir, [join(dir, "study.local.yaml")], viaEnv.out, viaEnv.err, viaLocal.out, viaLocal.err);
  });
});
