// synthetic-shapes: a small SYNTHETIC capability benchmark that thinksafe generates itself, so the
// offline demo has capability answers to score (MMMU, MMStar, MM-Vet and POPE are not shipped). It
// is not a published benchmark and measures nothing about real models beyond sanity.
//
// 40 images, each a 240×240 gray canvas with two or three dark shapes (of circle, square, triangle,
// star, cross, diamond, ring, hexagon) in distinct cells of a 3×3 grid; for each image two
// POPE-style questions, "Is there a <shape> in the image?", one about a shape it shows (answer
// "yes") and one about a shape it does not (answer "no"): 80 samples, half of each, in one subset
// `yes-no`. Answers are scored by POPE's rule (scoring/pope.ts). Everything derives from the item
// index through sha256, so the same index always gives the same image bytes.
//
// Each PNG carries PNG's registered `Description` text chunk, `Shapes: circle, star.` (the shapes
// it shows, in grid order), as alt text does. Real models never see it (servers decode pixels); it
// is how thinksafe's simulator "sees" the image (src/simulator/README.md, "Capability questions").
import { sha256 } from "../provenance.ts";
import { encodeGrayPng } from "./gray-png.ts";
import { imageStoreOf, type ImageStore } from "../images/store.ts";
import type { Benchmark, Sample } from "./sample.ts";
import { firstItems, selectedSubset } from "./selection.ts";

export const SYNTHETIC_SHAPES_ID = "synthetic-shapes";
export const SHAPES = ["circle", "square", "triangle", "star", "cross", "diamond", "ring", "hexagon"] as const;
export type Shape = (typeof SHAPES)[number];

/** Images generated; each gives two samples. */
export const SYNTHETIC_SHAPES_IMAGES = 40;
const SIZE = 240;
const GRID = 3;
const CELL = SIZE / GRID;
/** Samples per pixel side: 3×3 samples soften the edges, deterministically. */
const SUPERSAMPLE = 3;

export interface ShapesItem {
  /** `img07`. */
  image: string;
  /** The shapes drawn, in grid order (row by row), with their cell, size and ink. */
  shapes: Array<{ shape: Shape; cell: number; radius: number; ink: number }>;
  /** Asked about and present: the answer is "yes". */
  present: Shape;
  /** Asked about and absent: the answer is "no". */
  absent: Shape;
}

/** The question, as POPE words it. */
export function shapesQuestion(shape: Shape): string {
  return `Is there a ${shape} in the image?`;
}

/** The `Description` text of an item's image. */
export function shapesDescription(item: Pick<ShapesItem, "shapes">): string {
  return `Shapes: ${item.shapes.map((s) => s.shape).join(", ")}.`;
}

/** Item `index` (0-based): drawn from sha256("synthetic-shapes:<index>"), so fixed forever. */
export function shapesItem(index: number): ShapesItem {
  const digest = sha256(`${SYNTHETIC_SHAPES_ID}:${index}`);
  let at = 0;
  const next = (n: number) => Number.parseInt(digest.slice((at += 2) - 2, at), 16) % n;
  const count = 2 + next(2);
  const shapes = pickDistinct(SHAPES, count, next);
  const cells = pickDistinct([...Array(GRID * GRID).keys()], count, next).sort((a, b) => a - b);
  const drawn = cells.map((cell, i) => ({ shape: shapes[i]!, cell, radius: 26 + next(11), ink: 16 * next(6) }));
  const absentChoices = SHAPES.filter((s) => !shapes.includes(s));
  return {
    image: `img${String(index).padStart(2, "0")}`,
    shapes: drawn,
    present: drawn[next(count)]!.shape,
    absent: absentChoices[next(absentChoices.length)]!,
  };
}

export function shapesItems(): ShapesItem[] {
  return Array.from({ length: SYNTHETIC_SHAPES_IMAGES }, (_, i) => shapesItem(i));
}

/** An item's PNG: light gray background, dark shapes, and its Description chunk. */
export function renderShapesImage(item: ShapesItem): Buffer {
  const pixels = new Uint8Array(SIZE * SIZE).fill(245);
  for (const { shape, cell, radius, ink } of item.shapes) {
    const cx = (cell % GRID) * CELL + CELL / 2;
    const cy = Math.floor(cell / GRID) * CELL + CELL / 2;
    for (let y = Math.floor(cy - radius); y < Math.ceil(cy + radius); y++) {
      for (let x = Math.floor(cx - radius); x < Math.ceil(cx + radius); x++) {
        let covered = 0;
        for (let sy = 0; sy < SUPERSAMPLE; sy++) {
          for (let sx = 0; sx < SUPERSAMPLE; sx++) {
            const u = (x + (sx + 0.5) / SUPERSAMPLE - cx) / radius;
            const v = (y + (sy + 0.5) / SUPERSAMPLE - cy) / radius;
            if (inside(shape, u, v)) covered++;
          }
        }
        const share = covered / (SUPERSAMPLE * SUPERSAMPLE);
        const index = y * SIZE + x;
        pixels[index] = Math.round(pixels[index]! * (1 - share) + ink * share);
      }
    }
  }
  return encodeGrayPng(SIZE, SIZE, pixels, { Description: shapesDescription(item) });
}

/** Whether (u, v), in units of the shape's radius from its centre (v down), is inside it. */
export function inside(shape: Shape, u: number, v: number): boolean {
  const r2 = u * u + v * v;
  switch (shape) {
    case "circle":
      return r2 <= 1;
    case "ring":
      return r2 <= 1 && r2 >= 0.55 * 0.55;
    case "square":
      return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
    case "diamond":
      return Math.abs(u) + Math.abs(v) <= 1;
    case "cross":
      return (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1);
    case "triangle":
      // Apex at the top (v = −1), base at v = 0.8 spanning u = ±0.9.
      return v <= 0.8 && v >= -1 && Math.abs(u) <= (0.9 * (v + 1)) / 1.8;
    case "hexagon":
      return Math.abs(v) <= Math.sqrt(3) / 2 && Math.sqrt(3) * Math.abs(u) + Math.abs(v) <= Math.sqrt(3);
    case "star":
      return insidePolygon(STAR, u, v);
  }
}

/** A five-pointed star, point up: outer radius 1, inner 0.45. */
const STAR: Array<[number, number]> = Array.from({ length: 10 }, (_, i) => {
  const angle = -Math.PI / 2 + (i * Math.PI) / 5;
  const r = i % 2 === 0 ? 1 : 0.45;
  return [r * Math.cos(angle), r * Math.sin(angle)];
});

/** Even-odd rule. */
function insidePolygon(points: ReadonlyArray<[number, number]>, u: number, v: number): boolean {
  let result = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) result = !result;
  }
  return result;
}

function pickDistinct<T>(pool: readonly T[], count: number, next: (n: number) => number): T[] {
  const left = [...pool];
  return Array.from({ length: count }, () => left.splice(next(left.length), 1)[0]!);
}

/** Bump when the drawing changes: cached renders then stop matching. */
const SHAPES_RENDERER_VERSION = 1;

/** Both samples of an item: the present shape's question, then the absent one's. */
async function itemSamples(item: ShapesItem, subset: string, store: ImageStore): Promise<Sample[]> {
  const images = await store.rendered({ renderer: SYNTHETIC_SHAPES_ID, version: SHAPES_RENDERER_VERSION, inputs: { item } }, [`${item.image}.png`], () => [renderShapesImage(item)]);
  return (["present", "absent"] as const).map((kind) => ({
    benchmark: SYNTHETIC_SHAPES_ID,
    sampleId: `${item.image}-${item[kind]}`,
    subset,
    category: item[kind],
    group: "capability",
    prompt: shapesQuestion(item[kind]),
    images,
    shouldRefuse: false,
    reference: { answer: kind === "present" ? "yes" : "no" },
  }));
}

export const syntheticShapes: Benchmark = {
  id: SYNTHETIC_SHAPES_ID,
  group: "capability",
  subsets: ["yes-no"],
  defaultSubset: "yes-no",
  // The images are drawn once (about 40 ms for all of them) and kept in the render cache.
  async load(selection = {}, context) {
    const subset = selectedSubset(syntheticShapes, selection);
    const store = imageStoreOf(context);
    const samples: Sample[] = [];
    for (const item of shapesItems()) samples.push(...(await itemSamples(item, subset, store)));
    return firstItems(samples, selection);
  },
  // Generated, so never missing.
  async inventory(selection = {}) {
    const subset = selectedSubset(syntheticShapes, selection);
    const samples = firstItems(Array.from({ length: 2 * SYNTHETIC_SHAPES_IMAGES }), selection).length;
    return { subset, samples, imagesPresent: samples, imagesMissing: 0, missing: [], howToGet: null };
  },
};
