import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { PROFILE_IDS } from "../models/index.ts";
import { main } from "./main.ts";

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "thinksafe", ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("thinksafe profiles", () => {
  test("lists every profile with its models, prompts, markers, pre-fill, sources and unconfirmed parts", async () => {
    const { code, out } = await run("profiles");
    assert.equal(code, 0);
    for (const id of PROFILE_IDS) assert.match(out, new RegExp(`^${id.replaceAll(".", "\\.")} — `, "m"));
    const blocks = out.split("\n\n").slice(0, PROFILE_IDS.length);
    for (const block of blocks) {
      for (const field of ["models:", "system prompt:", "pre-fills the opener:", "thinking separable:", "sources:", "unconfirmed:"]) assert.ok(block.includes(field), `${block.split("\n")[0]} lacks ${field}`);
    }
    assert.match(out, /^kimi-vl-thinking — .*\n(?:.*\n)*? {2}rule kimi_think_tags: thinking "◁think▷" … "◁\/think▷"/m);
    assert.match(out, /^qwen3-vl-thinking — (?:.*\n)*? {2}pre-fills the opener: yes/m);
    assert.match(out, /^qvq — (?:.*\n)*? {2}unconfirmed: \n {4}- the '\*\*Final Answer\*\*' heading/m);
  });

  test("--format json gives the records, each with non-empty sources and its hash", async () => {
    const { code, out } = await run("profiles", "--format", "json");
    assert.equal(code, 0);
    const records = JSON.parse(out) as Array<{ id: string; models: string[]; sources: unknown[]; unconfirmed: string[]; prefilled: boolean; sha256: string; exchange: { kind: string } }>;
    assert.deepEqual(records.map((r) => r.id), PROFILE_IDS);
    assert.ok(records.every((r) => r.sources.length > 0 && /^[0-9a-f]{64}$/.test(r.sha256) && Array.isArray(r.unconfirmed)));
    assert.deepEqual(records.filter((r) => r.prefilled).map((r) => r.id), ["prefilled-think", "qwen3-vl-thinking", "skywork-r1v"]);
    assert.equal(records.find((r) => r.id === "llamav-o1")!.exchange.kind, "dialogue");
    const one = JSON.parse((await run("profiles", "mulberry", "--format", "json")).out) as unknown[];
    assert.equal(one.length, 1);
  });

  test("an unknown id is a usage error naming the known ones", async () => {
    const { code, err } = await run("profiles", "deepseek-r1");
    assert.equal(code, 2);
    assert.match(err, /unknown profile deepseek-r1; known: think-tags, prefilled-think, r1-onevision/);
  });
});

describe("thinksafe simulate --experiment", () => {
  test("serves the experiment's models under their own names, each in its profile's format", { timeout: 60_000 }, async () => {
    const bin = fileURLToPath(new URL("./bin.js", import.meta.url));
    const paper = fileURLToPath(new URL("../../experiments/paper.yaml", import.meta.url));
    const child = spawn(process.execPath, [bin, "simulate", "--port", "0", "--experiment", paper], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d) => {
          output += d;
          const match = /listening on (\S+) with models: (.*)/.exec(output);
          if (match && output.includes("\n")) resolve(match[1]!);
        });
        child.on("exit", () => reject(new Error(`exited: ${output}`)));
      });
      assert.match(output, /Fancy-MLLM\/R1-Onevision-7B/);
      const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0 });
      const kimi = await client.chat.completions.create({ model: "moonshotai/Kimi-VL-A3B-Thinking", messages: [{ role: "user", content: "Hi" }] });
      assert.match(kimi.choices[0]!.message.content!, /^◁think▷.*◁\/think▷\[simulated\] /s);
      const mulberry = await client.chat.completions.create({ model: "HuanjinYao/Mulberry_qwen2vl_7b", messages: [{ role: "user", content: "Hi" }] });
      assert.match(mulberry.choices[0]!.message.content!, /^### Image Description:\n.*### The final answer is: \[simulated\] /s);
      const base = await client.chat.completions.create({ model: "Qwen/Qwen2-VL-72B-Instruct", messages: [{ role: "user", content: "Hi" }] });
      assert.match(base.choices[0]!.message.content!, /^\[simulated\] /);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
