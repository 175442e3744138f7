// The README's Think-in-Safety commands run as written on a fresh clone: every `npx thinksafe tis …`
// line of its command block without placeholders is run in order (its `runs/` in a temporary
// folder), and the fine-tuning example names a vision-capable model and a file those lines write.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.ts";
import { trainingFileFacts, VISION_FINETUNE_MODELS } from "../src/finetune/base-model.ts";
import { tempDir } from "../src/test-support.ts";

const PROJECT = fileURLToPath(new URL("..", import.meta.url));

/** The README's command block, one command a line, comments removed. */
async function readmeCommands(): Promise<string[]> {
  const readme = await readFile(join(PROJECT, "README.md"), "utf8");
  const block = /## The command line\n\n```sh\n([^]*?)```/.exec(readme)?.[1];
  assert.ok(block, "the README has its command block");
  return block.split("\n").map((line) => line.replace(/\s+#.*$/, "").trim()).filter(Boolean);
}

/** A line with no placeholder to fill in (`DIR`, `NAME`, `a|b`, `[optional]`). */
const runnable = (line: string) => !/[|[\]]|\b[A-Z][A-Z_]{2,}\b/.test(line.replace(/--[a-z-]+/g, ""));

test("the README's TiS commands run as written, and its fine-tuning example fits the file they write", async (t) => {
  const dir = await tempDir(t);
  const local = (arg: string) => (arg.startsWith("runs/") ? join(dir, arg) : /^(experiments|datasets)\//.test(arg) ? join(PROJECT, arg) : arg);
  const commands = await readmeCommands();
  const tis = commands.filter((line) => line.startsWith("npx thinksafe tis ") && runnable(line));
  assert.deepEqual(
    tis.map((line) => line.split(/\s+/).slice(2, 4).join(" ")),
    ["tis import", "tis build", "tis export", "tis export"],
    "the import of the shipped sample, the demo build and its exports",
  );
  for (const line of tis) {
    const err: string[] = [];
    const code = await main(["node", "thinksafe", ...line.split(/\s+/).slice(2).map(local)], { out: () => {}, err: (text) => err.push(text) });
    assert.equal(code, 0, `${line}\n${err.join("\n")}`);
  }
  assert.ok(existsSync(join(dir, "runs/tis-demo-lf/images")), "the LLaMA-Factory export holds its images");

  const finetune = commands.find((line) => line.startsWith("npx thinksafe finetune create"))!;
  const model = /--model (\S+)/.exec(finetune)![1]!;
  const trainingFile = /--training-file (\S+)/.exec(finetune)![1]!;
  assert.ok(VISION_FINETUNE_MODELS.includes(model), `${model} fine-tunes on images`);
  const facts = trainingFileFacts(await readFile(local(trainingFile)));
  assert.ok(facts.withImages > 0 && facts.withImages === facts.examples, "the file it names is written above, every example with its image");
});
