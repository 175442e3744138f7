// FigStep's typographic image, drawn as upstream's `text_to_image(text_step_by_step(instruction,
// wrap=True))` draws it with PIL (ThuCCSLab/FigStep src/generate_prompts.py): the instruction
// wrapped at 15 columns plus an empty numbered list, in black FreeMonoBold 80 px on 760×760 white.
// Skia's anti-aliasing differs from FreeType's, so pixels differ slightly; glyph positions match.
import { skia } from "../images/canvas.ts";
import { fileURLToPath } from "node:url";
import { shippedFileSha256, type RenderRecipe } from "../images/store.ts";
import { encodeGrayPng, grayFromRgba } from "./gray-png.ts";
import { fillText } from "./text-wrap.ts";

export const FIGSTEP_IMAGE_SIZE = 760;
const FONT_PX = 80;
const WRAP_COLUMNS = 15;
const LIST_ITEMS = 3;
const ORIGIN = { x: 20, y: 10 };
/** PIL's line pitch: the height of "A" from the ascender line (64 px) plus `spacing=11`. */
const LINE_PITCH = 75;

// The shipped font, under a private family name so a system copy of FreeMono can never stand in.
const FONT_FILE = fileURLToPath(new URL("../../datasets/fonts/FreeMonoBold.ttf", import.meta.url));
const FONT_FAMILY = "thinksafe FigStep FreeMonoBold";
const FONT = `${FONT_PX}px "${FONT_FAMILY}"`;

/** The text FigStep draws: the instruction wrapped like Python's `textwrap.fill(…, 15)`, then "1. ", "2. ", "3. ". */
export function figStepText(instruction: string): string {
  // Upstream strips one trailing "\n" first; wrapping drops trailing whitespace anyway.
  let text = fillText(instruction, WRAP_COLUMNS);
  for (let item = 1; item <= LIST_ITEMS; item++) text += `\n${item}. `;
  return text;
}

/** Bump when FigStep's drawing (or FigStep-Pro's cut) changes: cached renders then stop matching. */
export const FIGSTEP_RENDERER_VERSION = 1;

/** What FigStep's image of `text` depends on: the text, the font file, the canvas size and the drawing code's version. */
export function figStepRecipe(renderer: "figstep" | "figstep-pro", text: string): RenderRecipe {
  return { renderer, version: FIGSTEP_RENDERER_VERSION, inputs: { text, font: shippedFileSha256(FONT_FILE), size: FIGSTEP_IMAGE_SIZE } };
}

/** FigStep's image for one instruction, as PNG bytes; the same instruction always gives the same bytes. */
export function renderFigStepImage(instruction: string): Buffer {
  return encodeGrayPng(FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE, drawFigStepText(figStepText(instruction)));
}

/**
 * Any text drawn the way FigStep draws its list (canvas, font, origin, line pitch), as one gray byte
 * a pixel, row by row (`FIGSTEP_IMAGE_SIZE` square). FigStep-Pro cuts images drawn by this.
 */
export function drawFigStepText(text: string): Uint8Array {
  registerFont();
  const canvas = skia().createCanvas(FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE);
  const context = canvas.getContext("2d");
  context.fillStyle = "#FFFFFF";
  context.fillRect(0, 0, FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE);
  context.fillStyle = "#000000";
  context.font = FONT;
  // PIL puts the top of the ascender line at the given y; the canvas draws from the baseline.
  context.textBaseline = "alphabetic";
  const ascent = context.measureText("A").fontBoundingBoxAscent;
  text.split("\n").forEach((line, i) => context.fillText(line, ORIGIN.x, ORIGIN.y + ascent + LINE_PITCH * i));
  const { data } = context.getImageData(0, 0, FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE);
  return grayFromRgba(data);
}

/**
 * Where column `column` of a line starts, in pixels from the left edge. FreeMono is monospaced
 * (every glyph advances 600/1000 em, 48 px at 80 px), so character cells sit on a fixed grid.
 */
export function figStepColumnX(column: number): number {
  return ORIGIN.x + column * FIGSTEP_CHAR_ADVANCE;
}

/** FreeMonoBold's advance width at FigStep's 80 px: 600 units of a 1000-unit em. */
export const FIGSTEP_CHAR_ADVANCE = (600 / 1000) * FONT_PX;
/** FigStep's wrap width: lines of at most this many characters. */
export const FIGSTEP_WRAP_COLUMNS = WRAP_COLUMNS;

/** The advance width of `text` in FigStep's font, in pixels (for checking the monospaced grid). */
export function measureFigStepText(text: string): number {
  registerFont();
  const context = skia().createCanvas(1, 1).getContext("2d");
  context.font = FONT;
  return context.measureText(text).width;
}

let fontRegistered = false;

function registerFont(): void {
  if (fontRegistered) return;
  if (!skia().GlobalFonts.registerFromPath(FONT_FILE, FONT_FAMILY)) {
    throw new Error(`cannot load the FigStep font ${FONT_FILE}`);
  }
  fontRegistered = true;
}
