// `thinksafe bench list | show | validate | render`: what each benchmark holds, what is present
// locally, and the project-rendered images.
import { verifyShippedData } from "../benchmarks/checksums.ts";
import { EXPECTED_SAMPLES } from "../benchmarks/expected.ts";
import { BENCHMARKS, getBenchmark } from "../benchmarks/index.ts";
import { renderFigStep } from "../benchmarks/figstep.ts";
import type { Benchmark, DataContext, Inventory } from "../benchmarks/sample.ts";
import { DataError, UsageError } from "../errors.ts";
import { textTable } from "./format.ts";

export interface ListRow {
  id: string;
  group: string;
  subset: string;
  samples: number;
  images_present: number;
  images_missing: number;
  /** What is missing, in words (the metadata file, images, the data folder); absent when nothing is. */
  missing?: string;
  /** Where upstream distributes what is missing and where it goes under the data folder. */
  how_to_get?: string;
}

export async function benchList(format: "json" | "table", data: DataContext): Promise<string> {
  const rows: ListRow[] = [];
  for (const benchmark of Object.values(BENCHMARKS)) {
    for (const subset of benchmark.subsets) {
      const { inventory, problem, howToGet } = await countSubset(benchmark, subset, data);
      const missing = problem ?? (inventory ? missingOf(inventory) : null);
      rows.push({
        id: benchmark.id,
        group: benchmark.group,
        subset,
        samples: inventory?.samples ?? 0,
        images_present: inventory?.imagesPresent ?? 0,
        images_missing: inventory?.imagesMissing ?? 0,
        ...(missing && { missing }),
        ...(missing && (howToGet ?? inventory?.howToGet) && { how_to_get: (howToGet ?? inventory?.howToGet)! }),
      });
    }
  }
  if (format === "json") return JSON.stringify(rows, null, 2);
  const table = textTable(
    ["benchmark", "group", "subset", "samples", "images present", "missing", "what is missing"],
    rows.map((r) => [r.id, r.group, r.subset, fmt(r.samples), fmt(r.images_present), fmt(r.images_missing), r.missing ?? ""]),
    ["left", "left", "left", "right", "right", "right", "left"],
  );
  // Where to get it, once per benchmark (its subsets share one source).
  const sources = new Map<string, string>();
  for (const r of rows) if (r.how_to_get && !sources.has(r.id)) sources.set(r.id, r.how_to_get);
  if (sources.size === 0) return table;
  return [table, "", "Where to get what is missing (`thinksafe bench validate ID` names every missing file):", ...[...sources].map(([id, how]) => `- ${id}: ${how}`)].join("\n");
}

/** What an inventory lacks, in words, or null when it is complete. */
function missingOf(inventory: Inventory): string | null {
  if (inventory.samples === 0) return `no samples: ${inventory.missing[0] ?? "its data"} not found`;
  if (inventory.imagesMissing > 0) return `${fmt(inventory.imagesMissing)} of ${fmt(inventory.imagesPresent + inventory.imagesMissing)} images`;
  return null;
}

/**
 * Validates benchmarks (all by default): the shipped files against their checksums, each subset's
 * size against upstream's, and every image's presence. Exit 0 when all holds, 1 otherwise.
 */
export async function benchValidate(ids: string[], data: DataContext, write: (text: string) => void): Promise<number> {
  const benchmarks = ids.length ? ids.map(getBenchmark) : Object.values(BENCHMARKS);
  let incomplete = 0;
  const changed = await verifyShippedData();
  if (changed.length === 0) write("✓ shipped data matches datasets/SHA256SUMS");
  for (const file of changed) {
    incomplete++;
    write(`✗ datasets/${file}: differs from its checksum in datasets/SHA256SUMS (restore it from git)`);
  }
  for (const benchmark of benchmarks) {
    for (const subset of benchmark.subsets) {
      const { inventory, problem, howToGet } = await countSubset(benchmark, subset, data);
      if (!inventory) {
        incomplete++;
        write(`✗ ${benchmark.id} ${subset}: ${problem}`);
        if (howToGet) write(`    ${howToGet}`);
        continue;
      }
      const expected = EXPECTED_SAMPLES[benchmark.id]?.[subset];
      const short = expected !== undefined && inventory.samples !== expected;
      const line =
        `${benchmark.id} ${subset}: ${fmt(inventory.samples)} samples` +
        (short ? ` (upstream has ${fmt(expected)}: an incomplete or different copy?)` : "") +
        `, ${fmt(inventory.imagesPresent)} images present, ${fmt(inventory.imagesMissing)} missing`;
      if (inventory.imagesMissing === 0 && !short) {
        write(`✓ ${line}`);
        continue;
      }
      incomplete++;
      write(`✗ ${line}`);
      for (const path of inventory.missing.slice(0, 20)) write(`    missing: ${path}`);
      if (inventory.missing.length > 20) write(`    … and ${fmt(inventory.missing.length - 20)} more`);
      if (inventory.howToGet) write(`    ${inventory.howToGet}`);
    }
  }
  return incomplete ? 1 : 0;
}

export async function benchShow(id: string, options: { subset?: string; limit: number }, data: DataContext): Promise<string> {
  const benchmark = getBenchmark(id);
  const samples = await benchmark.load({ ...(options.subset && { subset: options.subset }), limit: options.limit }, data);
  const cut = (text: string) => (text.length > 80 ? `${text.slice(0, 79)}…` : text);
  return textTable(
    ["sample", "category", "should refuse", "images", "prompt", "request (told to judges)"],
    samples.map((s) => [
      s.sampleId,
      s.category ?? "",
      s.shouldRefuse === null ? "–" : s.shouldRefuse ? "yes" : "no",
      s.images.map((image) => `${image.name} (${image.sha256.slice(0, 12)})`).join(", "),
      cut(s.prompt),
      cut(s.judgeContext?.request ?? ""),
    ]),
  );
}

export async function benchRender(id: string, options: { out: string; subset?: string; limit?: number }): Promise<string> {
  if (id !== "figstep") throw new UsageError(`render knows figstep; ${id} images are not rendered by thinksafe`);
  const { written, dir } = await renderFigStep({ outDir: options.out, ...(options.subset && { subset: options.subset }), ...(options.limit && { limit: options.limit }) });
  return `rendered ${fmt(written)} FigStep images into ${dir}`;
}

async function countSubset(benchmark: Benchmark, subset: string, data: DataContext): Promise<{ inventory?: Inventory; problem?: string; howToGet?: string }> {
  try {
    return { inventory: await benchmark.inventory({ subset }, data) };
  } catch (error) {
    if (error instanceof DataError) return { problem: error.problem, ...(error.fix && { howToGet: error.fix }) };
    throw error;
  }
}

const fmt = (n: number) => n.toLocaleString("en-US");
