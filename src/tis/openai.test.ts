import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createCanvas } from "@napi-rs/canvas";
import { DataError } from "../errors.ts";
import { imageFacts, prepareOpenAiImage } from "./images.ts";
import { checkOpenAiLine, imageTokens, openAiExample } from "./openai.ts";
import { colourImage, grayImage } from "./testing.ts";
import type { TisRecord } from "./record.ts";

const png = colourImage("a.png", 6, 4);
const uri = (bytes: Buffer, mime = "image/png") => `data:${mime};base64,${bytes.toString("base64")}`;
const user = (...parts: unknown[]) => ({ role: "user", content: [...parts, { type: "text", text: "What is shown?" }] });
const image = (bytes: Buffer = png, mime?: string) => ({ type: "image_url", image_url: { url: uri(bytes, mime) } });
const assistant = { role: "assistant", content: "<think>\nLook.\n</think>\nA red square." };
const line = (value: unknown) => JSON.stringify(value);
const problems = (value: unknown) => checkOpenAiLine(typeof value === "string" ? value : line(value)).problems;

describe("OpenAI's fine-tuning format rules", () => {
  test("a well-formed vision example passes", () => {
    const check = checkOpenAiLine(line({ messages: [{ role: "system", content: "Be safe." }, user(image()), assistant] }));
    assert.deepEqual(check.problems, []);
    assert.equal(check.images, 1);
    assert.ok(check.tokens! > 85 + 170, "the image counts at least one tile");
  });

  // Each case breaks one rule; the check names it.
  const cases: Array<[string, unknown, RegExp]> = [
    ["not JSON", "{messages: []}", /not valid JSON/],
    ["two lines in one", `${line({ messages: [user(), assistant] })}\n${line({ messages: [user(), assistant] })}`, /contains a newline/],
    ["not an object", line([user(), assistant]), /expected a JSON object/],
    ["an unknown top-level key", { messages: [user(), assistant], prompt: "x" }, /unknown key "prompt"/],
    ["no messages", { messages: [] }, /messages: expected a non-empty array/],
    ["an unknown role", { messages: [{ role: "human", content: "Hi" }, assistant] }, /messages\[0\]\.role: "human" is not one of/],
    ["an unknown message key", { messages: [{ ...user(), from: "human" }, assistant] }, /messages\[0\]: unknown key "from"/],
    ["the last message is the user's", { messages: [user(), assistant, user()] }, /the last message must be the assistant's, found "user"/],
    ["no assistant message", { messages: [user()] }, /no assistant message to train on/],
    ["assistant content as parts", { messages: [user(), { role: "assistant", content: [{ type: "text", text: "Hi" }] }] }, /assistant content must be non-empty text \(not parts/],
    ["an empty assistant turn", { messages: [user(), { role: "assistant", content: " " }] }, /assistant content must be non-empty text/],
    ["an image in a system message", { messages: [{ role: "system", content: [image()] }, user(), assistant] }, /messages\[0\]\.content\[0\]: images are allowed in user messages only/],
    ["a weight on a user message", { messages: [{ ...user(), weight: 1 }, assistant] }, /only assistant messages take a weight/],
    ["a weight of 2", { messages: [user(), { ...assistant, weight: 2 }] }, /it must be 0 or 1/],
    ["an unknown part type", { messages: [user({ type: "input_audio", input_audio: {} }), assistant] }, /content\[0\]: expected \{"type": "text"/],
    ["an image URL that is neither http nor data", { messages: [user({ type: "image_url", image_url: { url: "file:///x.png" } }), assistant] }, /expected an http\(s\) URL or a data:image/],
    ["a data URI that is not base64", { messages: [user({ type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64").slice(0, 8)}!!` } }), assistant] }, /expected an http\(s\) URL or a data:image/],
    ["a bad detail", { messages: [user({ type: "image_url", image_url: { url: uri(png), detail: "max" } }), assistant] }, /detail: must be low, high or auto/],
    ["eleven images", { messages: [user(...Array.from({ length: 11 }, () => image())), assistant] }, /11 images; at most 10 per example/],
    ["a GIF", { messages: [user(image(Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1"), "image/gif")), assistant] }, /the image is gif; JPEG, PNG or WebP only/],
    ["a data URI naming the wrong type", { messages: [user(image(png, "image/jpeg")), assistant] }, /says image\/jpeg but the bytes are png/],
    ["a grayscale PNG", { messages: [user(image(grayImage())), assistant] }, /in L mode; RGB or RGBA only/],
    ["an image over 10 MB", { messages: [user(image(Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024)]))), assistant] }, /the image is 10\.0 MB; at most 10\.0 MB/],
    ["an example over the token limit", { messages: [{ role: "user", content: "x".repeat(200_000) }, assistant] }, /about 66,6\d\d tokens; at most 65,536 per example/],
  ];
  for (const [name, value, expected] of cases) {
    test(`rejects ${name}`, () => {
      const found = problems(value);
      assert.ok(found.some((p) => expected.test(p)), `expected ${expected} among ${JSON.stringify(found)}`);
    });
  }

  test("image tokens follow OpenAI's published examples (detail high)", () => {
    assert.equal(imageTokens(1024, 1024), 765);
    assert.equal(imageTokens(2048, 4096), 1105);
    assert.equal(imageTokens(6, 4), 255);
  });
});

describe("OpenAI examples from records", () => {
  const record: TisRecord = {
    id: "tis/1",
    dataset: "tis",
    index: 1,
    source: "vlguard",
    category: null,
    question: "Who is this?",
    images: ["images/HOD/a.png"],
    thinking: "Identifying people is a privacy risk.",
    answer: "I can't identify people.",
    thinkingFormat: "think_tags",
    isRefusal: true,
    isHarmfulRequest: null,
  };

  test("the images then the question from the user, the thinking kept in the assistant's text", async () => {
    const prepared = await prepareOpenAiImage(png, "a.png");
    const example = openAiExample(record, [prepared]);
    assert.deepEqual(example.messages[1], { role: "assistant", content: "<think>\nIdentifying people is a privacy risk.\n</think>\nI can't identify people." });
    assert.deepEqual(example.messages[0], { role: "user", content: [{ type: "image_url", image_url: { url: uri(png) } }, { type: "text", text: "Who is this?" }] });
    assert.deepEqual(checkOpenAiLine(JSON.stringify(example)).problems, []);
  });

  test("a text-only record sends the question as plain text", () => {
    const example = openAiExample({ ...record, images: [] }, []);
    assert.deepEqual(example.messages[0], { role: "user", content: "Who is this?" });
  });
});

describe("preparing images for OpenAI", () => {
  test("a qualifying PNG or JPEG is sent as it is", async () => {
    const jpeg = colourImage("a.jpg");
    assert.equal((await prepareOpenAiImage(png, "a.png")).bytes, png);
    const prepared = await prepareOpenAiImage(jpeg, "a.jpg");
    assert.deepEqual([prepared.bytes, prepared.format, prepared.converted], [jpeg, "jpeg", null]);
  });

  test("a grayscale PNG becomes an RGBA PNG of the same size, the same bytes every time", async () => {
    const first = await prepareOpenAiImage(grayImage(5, 3), "g.png");
    const second = await prepareOpenAiImage(grayImage(5, 3), "g.png");
    assert.equal(first.converted, "colour mode L");
    assert.deepEqual(imageFacts(first.bytes), { bytes: first.bytes.length, format: "png", width: 5, height: 3, colorMode: "RGBA" });
    assert.ok(first.bytes.equals(second.bytes));
  });

  test("a WebP passes; with maxSide a large JPEG is scaled down and stays a JPEG", async () => {
    const webp = await createCanvas(3, 2).encode("webp");
    assert.equal((await prepareOpenAiImage(webp, "w.webp")).converted, null);
    const big = colourImage("big.jpg", 300, 100);
    const scaled = await prepareOpenAiImage(big, "big.jpg", { maxSide: 60 });
    assert.deepEqual([scaled.format, scaled.width, scaled.height, scaled.converted], ["jpeg", 60, 20, "longer than 60 px"]);
    assert.deepEqual([imageFacts(scaled.bytes).width, imageFacts(scaled.bytes).height], [60, 20]);
  });

  test("bytes that are no image are a DataError naming the file", async () => {
    await assert.rejects(prepareOpenAiImage(Buffer.from("not an image"), "/x/notes.png"), (error: Error) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /^\/x\/notes\.png: not a PNG, JPEG, WebP or GIF image \(its first bytes match none of them\)/);
      return true;
    });
  });
});
