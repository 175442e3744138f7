// FigStep's typographic image, drawn as upstream's `text_to_image(text_step_by_step(instruction,
// wrap=True))` draws it with PIL (ThuCCSLab/FigStep src/generate_prompts.py): the instruction
// wrapped at 15 columns plus an empty numbered list, in black FreeMonoBold 80 px on 760×760 white.
// Skia's anti-aliasing differs from FreeType's, so pixels differ slightly; glyph positions match.
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";
import { fileURLToPath } from "node:url";
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

/** FigStep's image for one instruction, as PNG bytes; the same instruction always gives the same bytes. */
export function renderFigStepImage(instruction: string): Buffer {
  registerFont();
  const canvas = createCanvas(FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE);
  const context = canvas.getContext("2d");
  context.fillStyle = "#FFFFFF";
  context.fillRect(0, 0, FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE);
  context.fillStyle = "#000000";
  context.font = FONT;
  // PIL puts the top of the ascender line at the given y; the canvas draws from the baseline.
  context.textBaseline = "alphabetic";
  const ascent = context.measureText("A").fontBoundingBoxAscent;
  figStepText(instruction)
    .split("\n")
    .forEach((line, i) => context.fillText(line, ORIGIN.x, ORIGIN.y + ascent + LINE_PITCH * i));
  const { data } = context.getImageData(0, 0, FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE);
  return encodeGrayPng(FIGSTEP_IMAGE_SIZE, FIGSTEP_IMAGE_SIZE, grayFromRgba(data));
}

let fontRegistered = false;

function registerFont(): void {
  if (fontRegistered) return;
  if (!GlobalFonts.registerFromPath(FONT_FILE, FONT_FAMILY)) {
    throw new Error(`cannot load the FigStep font ${FONT_FILE}`);
  }
  fontRegistered = true;
}
