// Capability questions: the simulator sees no pixels, so an assistant "sees" an image only through
// the PNG `Description` text chunk it may carry (thinksafe's synthetic-shapes images do), and answers
// POPE-style questions about it right with the model's `accuracy`. The rule is in README.md,
// "Capability questions".
import { DEFAULT_ACCURACY, type ModelConfig } from "./config.ts";
import { SIMULATED_MARK, wordCount, type Reply, type RequestMessage } from "./generate.ts";
import { randomFrom, uniformAt, type Random } from "./random.ts";

/** POPE's question form; the object is captured. */
const QUESTION = /^Is there an? (.+?) in the image\?$/;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The Description text thinksafe's synthetic images carry: the objects they show. */
const SHAPES_DESCRIPTION = /^Shapes: (.*?)\.?$/;

/** The tEXt chunks of a PNG (keyword → Latin-1 text); empty for anything that is not a PNG. */
export function readPngText(bytes: Buffer): Record<string, string> {
  const text: Record<string, string> = {};
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return text;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString("latin1", at + 4, at + 8);
    const data = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
    if (type === "tEXt") {
      const nul = data.indexOf(0);
      if (nul > 0) text[data.toString("latin1", 0, nul)] = data.toString("latin1", nul + 1);
    }
    if (type === "IDAT" || type === "IEND") break; // tEXt before the image data is all thinksafe writes
    at += 12 + length;
  }
  return text;
}

/** What a request asks and shows, when it is a capability question; undefined otherwise. */
export interface CapabilityQuestion {
  /** The object asked about, e.g. "circle". */
  object: string;
  /** The objects the images' descriptions list; null when no image has such a description. */
  seen: string[] | null;
}

/** The last user message read as a POPE-style question about its images, if it is one. */
export function capabilityQuestion(messages: readonly RequestMessage[] | undefined): CapabilityQuestion | undefined {
  const user = [...(messages ?? [])].reverse().find((m) => m.role === "user");
  if (!user) return undefined;
  const parts = typeof user.content === "string" ? [{ type: "text", text: user.content }] : (user.content ?? []);
  const text = parts.map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("\n").trim();
  const match = QUESTION.exec(text);
  if (!match) return undefined;
  let seen: string[] | null = null;
  for (const part of parts) {
    const url = part.type === "image_url" ? part.image_url?.url : undefined;
    const base64 = url?.startsWith("data:image/png;base64,") ? url.slice("data:image/png;base64,".length) : undefined;
    const description = base64 === undefined ? undefined : readPngText(Buffer.from(base64, "base64")).Description;
    const shapes = description === undefined ? null : SHAPES_DESCRIPTION.exec(description);
    if (shapes) seen = [...(seen ?? []), ...shapes[1]!.split(",").map((s) => s.trim()).filter(Boolean)];
  }
  return { object: match[1]!, seen };
}

/**
 * An assistant's answer to a capability question: right with probability `accuracy` when the images'
 * descriptions say what is there, a fair coin otherwise; decided by `digest`, which the caller takes
 * over the request without the model (chat.ts), so models share their luck. Never a refusal. A
 * reasoning model thinks first, in marked placeholder words.
 */
export function capabilityReply(model: ModelConfig, digest: Buffer, question: CapabilityQuestion): Reply {
  const { object, seen } = question;
  const right = seen === null ? undefined : seen.includes(object);
  const u = uniformAt(digest, 0);
  const yes = right === undefined ? u < 0.5 : u < (model.accuracy ?? DEFAULT_ACCURACY) ? right : !right;
  const random = randomFrom(digest, 16);
  const thinking = model.reasoning === "none" ? "" : capabilityThinking(object, model.thinking_words, random);
  const answer = yes ? `${SIMULATED_MARK} Yes, there is a ${object} in the image.` : `${SIMULATED_MARK} No, there is no ${object} in the image.`;
  return { refuses: false, unsafeThinking: false, thinking, answer };
}

const LOOKING_WORDS = ["look", "at", "each", "shape", "outline", "edge", "corner", "curve", "compare", "the", "image", "again", "carefully", "placeholder", "simulated"];

function capabilityThinking(object: string, words: number, random: Random): string {
  const opening = `${SIMULATED_MARK} I look at the shapes in the image and check whether one is a ${object}.`;
  let text = opening;
  for (let left = words - wordCount(opening); left > 0; left--) text += ` ${LOOKING_WORDS[Math.floor(random() * LOOKING_WORDS.length)]!}`;
  return `${text}.`;
}
