// The plain static server behind `npm run preview` and the browser tests: it must serve exactly
// what a static host without rewrites serves, or the tests would pass links that 404 in production.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { PROJECT_DIR } from "./paths.ts";
import { serveStatic, type StaticServer } from "./static-server.ts";

let dir: string;
let server: StaticServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "thinksafe-static-"));
  await mkdir(join(dir, "sub"));
  await writeFile(join(dir, "index.html"), "<p>home</p>");
  await writeFile(join(dir, "page.html"), "<p>page</p>");
  await writeFile(join(dir, "sub", "index.html"), "<p>sub</p>");
  await writeFile(join(dir, "module.wasm"), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  await writeFile(join(dir, "t.parquet"), "PAR1 0123456789 PAR1");
  server = await serveStatic(dir);
});

after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers, redirect: "manual" });

test("a file is served by its name, a folder by its index.html", async () => {
  for (const [path, body] of [["/", "<p>home</p>"], ["/index.html", "<p>home</p>"], ["/page.html", "<p>page</p>"], ["/sub/", "<p>sub</p>"]]) {
    const response = await get(path!);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(await response.text(), body);
  }
  const redirect = await get("/sub?x=1");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get("location"), "/sub/?x=1");
});

test("no rewrites: a clean URL is not its .html file", async () => {
  assert.equal((await get("/page")).status, 404);
  assert.equal((await get("/sub/index")).status, 404);
});

test("wasm is served as application/wasm, and byte ranges as asked", async () => {
  assert.equal((await get("/module.wasm")).headers.get("content-type"), "application/wasm");
  const range = await get("/t.parquet", { Range: "bytes=5-14" });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get("content-range"), "bytes 5-14/20");
  assert.equal(await range.text(), "0123456789");
  assert.equal((await get("/t.parquet", { Range: "bytes=30-" })).status, 416);
});

test("nothing outside the folder is served", async () => {
  // Sent as written (fetch would normalise the dots away).
  for (const path of ["/..%2f..%2f..%2fetc%2fpasswd", "/sub/..%2f..%2fpage.html", "/%E0%A4%A"]) assert.equal(await rawStatus(path), 404, path);
});

function rawStatus(path: string): Promise<number | undefined> {
  return new Promise((done, fail) => {
    const { hostname, port } = new URL(server.url);
    request({ hostname, port, path }, (response) => {
      response.resume();
      done(response.statusCode);
    })
      .once("error", fail)
      .end();
  });
}

test("npm run preview serves a built folder as a static host, and names the fix for a missing one", { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_DIR, "src/site/preview.ts"), "--dir", dir, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    const url = await new Promise<string>((done, fail) => {
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = / at (http:\/\/[^/\s]+)\//.exec(stderr);
        if (match) done(match[1]!);
      });
      child.once("exit", (code) => fail(new Error(`preview exited with ${code}: ${stderr}`)));
    });
    assert.equal(await (await fetch(`${url}/page.html`)).text(), "<p>page</p>");
    assert.equal((await fetch(`${url}/page`)).status, 404);
  } finally {
    child.kill("SIGTERM");
  }
  const missing = await runPreview(["--dir", join(dir, "sub", "nothing")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /holds no built site \(no index\.html\); run `npm run build` first/);
  const badPort = await runPreview(["--port", "not-a-port"]);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--port not-a-port: not a port number/);
});

function runPreview(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_DIR, "src/site/preview.ts"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", fail);
    child.once("exit", (code) => done({ code, stderr }));
  });
}
