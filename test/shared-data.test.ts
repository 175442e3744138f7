// Checks against the real upstream copies in ../shared/data (beside the project on the team's
// machines and in CI). The project never reads that folder at run time; these tests prove that what
// it ships is upstream's data and that its readers handle the real files. Where the folder is
// absent, each test is skipped with the reason.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { MM_SAFETYBENCH_SCENARIOS } from "../src/benchmarks/mm-safetybench-questions.ts";
import { mmSafetyBench } from "../src/benchmarks/mm-safetybench.ts";
import { tempDir } from "../src/test-support.ts";

const PROJECT = fileURLToPath(new URL("..", import.meta.url));
const SHARED = join(PROJECT, "..", "shared", "data");

/** The shared copy of `path`, or a skip saying it is absent. */
function sharedCopy(t: TestContext, path: string): string | undefined {
  const file = join(SHARED, path);
  if (existsSync(file)) return file;
  t.skip(`${file} is absent: the real-copy check is skipped`);
  return undefined;
}

describe("shipped data is upstream's, byte for byte", () => {
  const pairs: Array<[shipped: string, shared: string]> = [
    ["datasets/jailbreakbench/judge-comparison.csv", "jailbreakbench/judge-comparison.csv"],
    ["datasets/figstep/safebench.csv", "figstep/question/safebench.csv"],
    ["datasets/figstep/SafeBench-Tiny.csv", "figstep/question/SafeBench-Tiny.csv"],
    ["datasets/figstep/benign_sentences_without_harmful_phase.csv", "figstep/question/benign_sentences_without_harmful_phase.csv"],
    ["datasets/figstep/LICENSE", "figstep/LICENSE"],
    ["datasets/siuo/siuo_gen.json", "siuo/siuo_gen.json"],
    ["datasets/siuo/siuo_mcqa.json", "siuo/siuo_mcqa.json"],
    ["datasets/vlguard/test.json", "vlguard/test.json"],
    ["datasets/think-in-safety/tis_sample.json", "think-in-safety/tis_sample.json"],
    ["datasets/think-in-safety/LICENSE", "think-in-safety/LICENSE"],
    ["datasets/harmbench/multimodal_val_labels.jsonl", "harmbench/multimodal_val_labels.jsonl"],
  ];
  for (const [shipped, shared] of pairs) {
    test(shipped, async (t) => {
      const file = sharedCopy(t, shared);
      if (!file) return;
      assert.ok((await readFile(join(PROJECT, shipped))).equals(await readFile(file)), `${shipped} differs from ${file}`);
    });
  }

  test("the FigStep renders the fixtures compare against are upstream's 20", async (t) => {
    const folder = sharedCopy(t, "figstep/images/SafeBench");
    if (!folder) return;
    for (const category of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      for (const task of [1, 2]) {
        const name = `query_ForbidQI_${category}_${task}_6.png`;
        const fixture = await readFile(join(PROJECT, "src/benchmarks/fixtures/figstep", name));
        assert.ok(fixture.equals(await readFile(join(folder, name))), name);
      }
    }
  });
});

describe("readers on the real copies", () => {
  test("MM-SafetyBench: 1,680 questions in 13 scenarios, 168 Tiny ids, every SD image reported missing", async (t) => {
    const questions = sharedCopy(t, "mm-safetybench/processed_questions");
    if (!questions) return;
    const dir = await tempDir(t);
    await mkdir(join(dir, "mm-safetybench"));
    await symlink(questions, join(dir, "mm-safetybench", "processed_questions"));
    await symlink(join(SHARED, "mm-safetybench", "TinyVersion_ID_List.json"), join(dir, "mm-safetybench", "TinyVersion_ID_List.json"));
    const real = { dataDir: dir };
    const typo = await mmSafetyBench.inventory({ subset: "typo" }, real);
    assert.deepEqual([typo.samples, typo.imagesMissing], [1680, 0]);
    assert.equal((await mmSafetyBench.inventory({ subset: "tiny-typo" }, real)).samples, 168);
    const sd = await mmSafetyBench.inventory({ subset: "sd_typo" }, real);
    assert.deepEqual([sd.samples, sd.imagesPresent, sd.imagesMissing], [1680, 0, 1680]);
    assert.deepEqual([...new Set(sd.missing.map((file) => file.split("/").at(-3)))], [...MM_SAFETYBENCH_SCENARIOS]);
    const samples = await mmSafetyBench.load({ subset: "tiny-typo", limit: 2 }, real);
    assert.deepEqual(samples.map((s) => s.sampleId), ["01-Illegal_Activitiy/5", "01-Illegal_Activitiy/7"]);
    // The judge is told the real question and key phrase the image spells out.
    const upstream = JSON.parse(await readFile(join(questions, "01-Illegal_Activitiy.json"), "utf8")) as Record<string, Record<string, string>>;
    assert.deepEqual(samples[0]!.judgeContext, {
      request: upstream["5"]!.Question,
      keyPhrase: upstream["5"]!["Key Phrase"],
      typedText: upstream["5"]!["Key Phrase"],
      attack: "TYPO",
    });
  });
});
