// Reading the Think-in-Safety release (`train_data.json`, github.com/xinyuelou/Think-in-Safety) and
// the baseline sets into TisRecords. The release is LLaMA-Factory "sharegpt": a JSON array of
//   {conversations: [{from: "human", value: "<image>question"}, {from: "gpt", value: "<think>\n…\n</think>\nanswer"}],
//    images: ["images/<source>/…"]}
// ("user"/"assistant" are accepted for "human"/"gpt"; other keys of a record are ignored). Every
// record must be one question and one answer; the `<image>` placeholders, when present, must match
// the images in number. Bad input is a DataError naming the file, the record (row, 1-based) and
// the field, with the fix.
import { DataError } from "../errors.ts";
import type { TrainingItem } from "../benchmarks/training-sets.ts";
import { isObject, isSafeRelativePath, type JsonItem, readJsonItems } from "../benchmarks/user-images.ts";
import { imageOrigin, opensWithRefusal, type ImageSource, splitAssistantTurn, stripImageTokens, type TisRecord } from "./record.ts";

const RELEASE_SHAPE =
  'each record must be {"conversations": [{"from": "human", "value": "<image>question"}, {"from": "gpt", "value": "<think>…</think>answer"}], "images": ["images/…"]}';

const USER_ROLES = new Set(["human", "user"]);
const ASSISTANT_ROLES = new Set(["gpt", "assistant"]);

/** The records of a TiS release file, in file order. */
export async function readTisRelease(file: string): Promise<TisRecord[]> {
  const items = await readJsonItems(file, `expected a TiS release file (train_data.json): ${RELEASE_SHAPE}`);
  return items.map(releaseRecord);
}

/** One release record, normalised; a DataError at the offending field otherwise. */
export function releaseRecord(item: JsonItem): TisRecord {
  const images = imagePaths(item);
  const turns = item.array("conversations");
  if (turns.length !== 2) {
    item.fail("conversations", `expected 2 turns (question, then answer), found ${turns.length}`, RELEASE_SHAPE);
  }
  const human = turnText(item, turns, 0, USER_ROLES, '"human"');
  const gpt = turnText(item, turns, 1, ASSISTANT_ROLES, '"gpt"');

  const { question, imageTokens } = stripImageTokens(human);
  if (question === "") item.fail("conversations[0].value", "the question holds nothing but <image> placeholders", "write the question after <image>");
  if (imageTokens !== 0 && imageTokens !== images.length) {
    item.fail(
      "conversations[0].value",
      `${imageTokens} <image> placeholders for ${images.length} images`,
      "give one <image> per entry of images (or none: thinksafe then adds them)",
    );
  }
  const split = splitAssistantTurn(gpt);
  if (!split) {
    item.fail(
      "conversations[1].value",
      "no answer after the thinking (an unclosed <think> block, or LLaVA-CoT stages without <CONCLUSION>)",
      "close the thinking with </think> and follow it with the answer",
    );
  }
  const origin = images.length > 0 ? imageOrigin(images[0]!) : { source: "unknown" as ImageSource, category: null };
  return {
    id: `tis/${item.row}`,
    dataset: "tis",
    index: item.row,
    source: origin.source,
    category: origin.category,
    question,
    images,
    thinking: split.thinking,
    answer: split.answer,
    thinkingFormat: split.format,
    isRefusal: opensWithRefusal(split.answer),
    isHarmfulRequest: null,
  };
}

function imagePaths(item: JsonItem): string[] {
  if (item.value.images === undefined) return [];
  return item.array("images").map((path, j) => {
    if (typeof path !== "string" || !isSafeRelativePath(path)) {
      return item.fail(`images[${j}]`, `expected a relative path inside the images folder, found ${JSON.stringify(path)}`, "image paths are relative to --images-dir, as images/<source>/<file>");
    }
    return path;
  });
}

function turnText(item: JsonItem, turns: unknown[], i: number, roles: Set<string>, expected: string): string {
  const turn = turns[i];
  const field = `conversations[${i}]`;
  if (!isObject(turn)) return item.fail(field, "expected an object {from, value}", RELEASE_SHAPE);
  if (typeof turn.from !== "string" || !roles.has(turn.from)) {
    return item.fail(`${field}.from`, `expected ${expected}, found ${JSON.stringify(turn.from)}`, RELEASE_SHAPE);
  }
  if (typeof turn.value !== "string" || turn.value.trim() === "") {
    return item.fail(`${field}.value`, "expected a non-empty string", RELEASE_SHAPE);
  }
  return turn.value;
}

const SOURCE_OF: Record<TrainingItem["source"], ImageSource> = { "vlguard-train": "vlguard", "spa-vl": "spa-vl", mis: "mis" };

/**
 * A baseline set's items as TisRecords. Their answers are plain (format `none`); the export gives
 * them an empty think block (see `assistantText`). `file` names the set's metadata file in errors.
 */
export function baselineRecords(items: readonly TrainingItem[], file: string): TisRecord[] {
  return items.map((item, i) => {
    const { question } = stripImageTokens(item.question);
    const split = splitAssistantTurn(item.answer);
    if (question === "" || !split) {
      throw new DataError({ file, row: i + 1, column: question === "" ? "question" : "answer" }, `item ${item.id} has no ${question === "" ? "question" : "answer"} text`, "remove the item or fill it in");
    }
    return {
      id: `${item.source}/${item.id}`,
      dataset: item.source,
      index: i + 1,
      source: SOURCE_OF[item.source],
      category: item.category,
      question,
      images: item.images,
      thinking: split.thinking,
      answer: split.answer,
      thinkingFormat: split.format,
      isRefusal: opensWithRefusal(split.answer),
      isHarmfulRequest: item.harmful,
    };
  });
}
