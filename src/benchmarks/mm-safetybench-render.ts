// MM-SafetyBench's typographic images, drawn the way upstream's creation script draws them with PIL
// (isXinLiu/MM-SafetyBench, the TYPO / SD_TYPO step of `creation/`):
//
// - TYPO: the key phrase in black, Arial 90 px, on a white image 1,024 px wide and
//   90 × (lines + 1) px high, drawn from (0, 45) (half the font size down). Words are split on single
//   spaces and added while the running width, summed as `width(first word)` + `width(" " + word)`…,
//   stays strictly under 1,024 px; a word that does not fit starts a new line that keeps its leading
//   space (" word"), and the running width restarts at `width(" " + word)`. A first word wider than
//   the image is never broken.
// - SD_TYPO: the Stable Diffusion image on top and the TYPO image under it, on an RGB image as wide as
//   the wider of the two and as high as both together.
//
// Arial is not free, so thinksafe draws with Liberation Sans Regular (datasets/fonts/), which has
// Arial's metrics: every glyph advance is the same, so lines wrap at the same words. Skia's
// anti-aliasing and hinting differ from FreeType's, so pixels differ slightly from upstream's.
// PIL's multi-line pitch is the height of "A" measured from the ascender line (81 px here) plus its
// default spacing of 4 px; that value is computed from the font, not checked against a PIL run.
// Upstream saved TYPO as JPEG and built SD_TYPO from that JPEG; thinksafe keeps TYPO lossless
// (grayscale PNG) and draws the text straight onto SD_TYPO, then encodes SD_TYPO as JPEG at
// quality 75 (PIL's default). The same inputs always give the same bytes.
import type { SKRSContext2D } from "@napi-rs/canvas";
import { skia } from "../images/canvas.ts";
import { fileURLToPath } from "node:url";
import { shippedFileSha256, type RenderRecipe } from "../images/store.ts";
import { encodeGrayPng, grayFromRgba } from "./gray-png.ts";

export const TYPO_FONT_PX = 90;
export const TYPO_WIDTH = 1024;
/** Upstream draws the first line's ascender line at half the font size. */
const TYPO_TOP = TYPO_FONT_PX / 2;
/** PIL's default `spacing` between lines of multi-line text. */
const PIL_LINE_SPACING = 4;
/** PIL's default JPEG quality, which upstream's `save(….jpg)` used. */
export const SD_TYPO_JPEG_QUALITY = 75;

// The shipped font, under a private family name so a system font can never stand in.
const FONT_FILE = fileURLToPath(new URL("../../datasets/fonts/LiberationSans-Regular.ttf", import.meta.url));
const FONT_FAMILY = "thinksafe MM-SafetyBench LiberationSans";
const FONT = `${TYPO_FONT_PX}px "${FONT_FAMILY}"`;

/** The lines upstream draws for a key phrase: greedy wrapping at 1,024 px, continuation lines starting with a space. */
export function typoLines(keyPhrase: string, measure: (text: string) => number = measureText): string[] {
  const [first, ...rest] = keyPhrase.split(" ");
  const lines = [first!];
  let lineWidth = measure(first!);
  for (const word of rest) {
    const segment = ` ${word}`;
    lineWidth += measure(segment);
    if (lineWidth < TYPO_WIDTH) {
      lines[lines.length - 1] += segment;
    } else {
      lines.push(segment);
      lineWidth = measure(segment);
    }
  }
  return lines;
}

/** The TYPO image's height for a phrase wrapped into `lineCount` lines: one font size per line plus one. */
export function typoHeight(lineCount: number): number {
  return TYPO_FONT_PX * (lineCount + 1);
}

/** Bump when the TYPO or SD_TYPO drawing changes: cached renders then stop matching. */
export const TYPO_RENDERER_VERSION = 1;

/**
 * What a TYPO image depends on (the key phrase, the font file, the drawing code's version), or an
 * SD_TYPO image (the same, and the SD image's sha256).
 */
export function typoRecipe(keyPhrase: string, sdSha256?: string): RenderRecipe {
  return {
    renderer: sdSha256 === undefined ? "mm-safetybench-typo" : "mm-safetybench-sd-typo",
    version: TYPO_RENDERER_VERSION,
    inputs: { text: keyPhrase, font: shippedFileSha256(FONT_FILE), ...(sdSha256 !== undefined && { sd: sdSha256, quality: SD_TYPO_JPEG_QUALITY }) },
  };
}

/** MM-SafetyBench's TYPO image of a key phrase, as grayscale PNG bytes. */
export function renderTypoImage(keyPhrase: string): Buffer {
  const lines = typoLines(keyPhrase);
  const height = typoHeight(lines.length);
  const canvas = skia().createCanvas(TYPO_WIDTH, height);
  const context = canvas.getContext("2d");
  drawTypo(context, lines, 0);
  const { data } = context.getImageData(0, 0, TYPO_WIDTH, height);
  return encodeGrayPng(TYPO_WIDTH, height, grayFromRgba(data));
}

/**
 * MM-SafetyBench's SD_TYPO image: the SD image (PNG or JPEG bytes) above the key phrase's TYPO
 * image, as JPEG bytes. Throws if the SD bytes cannot be decoded.
 */
export async function renderSdTypoImage(sdImage: Buffer, keyPhrase: string): Promise<{ bytes: Buffer; width: number; height: number }> {
  const sd = await skia().loadImage(sdImage);
  if (!(sd.width > 0 && sd.height > 0)) throw new Error("the image has no pixels");
  const lines = typoLines(keyPhrase);
  const width = Math.max(sd.width, TYPO_WIDTH);
  const height = sd.height + typoHeight(lines.length);
  const canvas = skia().createCanvas(width, height);
  const context = canvas.getContext("2d");
  // PIL's `Image.new("RGB", size)` starts black; it only shows where the two images differ in width.
  context.fillStyle = "#000000";
  context.fillRect(0, 0, width, height);
  context.drawImage(sd, 0, 0);
  drawTypo(context, lines, sd.height);
  return { bytes: canvas.encodeSync("jpeg", SD_TYPO_JPEG_QUALITY), width, height };
}

/** Draws the TYPO image (white background, black text) with its top edge at `top`. */
function drawTypo(context: SKRSContext2D, lines: string[], top: number): void {
  registerFont();
  context.fillStyle = "#FFFFFF";
  context.fillRect(0, top, TYPO_WIDTH, typoHeight(lines.length));
  context.fillStyle = "#000000";
  context.font = FONT;
  context.textAlign = "left";
  // PIL puts the ascender line at the given y; the canvas draws from the baseline.
  context.textBaseline = "alphabetic";
  const ascent = context.measureText("A").fontBoundingBoxAscent;
  const pitch = ascent + PIL_LINE_SPACING;
  // PIL's multi-line drawing also breaks at newlines inside a line (none occur in upstream's phrases).
  lines
    .flatMap((line) => line.split("\n"))
    .forEach((line, i) => context.fillText(line, 0, top + TYPO_TOP + ascent + pitch * i));
}

let measuringContext: SKRSContext2D | undefined;

/** The advance width of `text` in the TYPO font, as PIL's `textlength` gives it. */
export function measureText(text: string): number {
  registerFont();
  measuringContext ??= skia().createCanvas(1, 1).getContext("2d");
  measuringContext.font = FONT;
  return measuringContext.measureText(text).width;
}

let fontRegistered = false;

function registerFont(): void {
  if (fontRegistered) return;
  if (!skia().GlobalFonts.registerFromPath(FONT_FILE, FONT_FAMILY)) {
    throw new Error(`cannot load the MM-SafetyBench font ${FONT_FILE}`);
  }
  fontRegistered = true;
}
