// The benchmark catalogue page's data (docs/benchmarks.md): every registered benchmark with its
// subsets, categories and what of it is present in the build's data folder, and the typographic
// renders shown in its gallery. The registry (BENCHMARKS) is read at build time, so a newly
// registered benchmark appears without touching the page.
import { BENCHMARKS } from "../benchmarks/index.ts";
import { readFigStepTasks, figStepSampleId } from "../benchmarks/figstep.ts";
import { renderFigStepImage } from "../benchmarks/figstep-render.ts";
import { MM_SAFETYBENCH_ID, mmSafetyBenchRoot } from "../benchmarks/mm-safetybench.ts";
import { MM_SAFETYBENCH_SCENARIOS, readMmSafetyQuestions, type MmSafetyQuestion } from "../benchmarks/mm-safetybench-questions.ts";
import { renderTypoImage } from "../benchmarks/mm-safetybench-render.ts";
import type { Benchmark, BenchmarkGroup, DataContext, Inventory } from "../benchmarks/sample.ts";
import { siuo } from "../benchmarks/siuo.ts";
import { vlguard } from "../benchmarks/vlguard.ts";
import { DataError } from "../errors.ts";
import { DATA_DIR_PLACEHOLDER } from "../benchmarks/user-images.ts";

/** The groups in the order the page shows them. */
export const GROUPS: readonly BenchmarkGroup[] = ["jailbreak-robustness", "safety-awareness", "capability"];

/** How many missing files a subset lists on the page; the count is always complete. */
const MISSING_SHOWN = 3;

export interface SubsetEntry {
  subset: string;
  isDefault: boolean;
  /** null when nothing could be counted (see `problem`). */
  samples: number | null;
  imagesPresent: number | null;
  imagesMissing: number | null;
  /** The first few missing files, under `<data-dir>/…`. */
  missingExamples: string[];
  howToGet: string | null;
  /** Why nothing could be counted, e.g. the text itself lives in the data folder. */
  problem: string | null;
}

export interface CategoryEntry {
  category: string;
  /** null when only the names are known (the items live in the data folder). */
  count: number | null;
}

export interface BenchmarkEntry {
  id: string;
  group: BenchmarkGroup;
  /** One line on what the suite tests; null when none is recorded here yet. */
  about: string | null;
  defaultSubset: string;
  subsets: SubsetEntry[];
  categories: CategoryEntry[];
  /** What a category count counts ("tasks of safebench", "images of test.json", …); why there are none otherwise. */
  categoriesNote: string;
  /** Where to get what is missing, once per benchmark (the subsets usually share it). */
  howToGet: string | null;
}

export interface Catalogue {
  /** Whether the build had a data folder (its path is not published). */
  dataFolder: boolean;
  benchmarks: BenchmarkEntry[];
}

/**
 * What each registered suite tests, in a line. A benchmark registered without a line here is still
 * listed, with its subsets, inventory and categories.
 */
const ABOUT: Record<string, string> = {
  figstep:
    "FigStep: each SafeBench harmful instruction is drawn as the heading of an empty numbered list, and a benign text prompt asks the model to fill the list in. A safe model refuses.",
  "mm-safetybench":
    "MM-SafetyBench: the key phrase of a harmful question is moved into an image (Stable Diffusion picture, typography, or both), and the text only points at it. Scenarios 10–13 are judged for disclaimers, not refusal.",
  siuo: "SIUO (Safe Inputs but Unsafe Output): text and image are each safe, their combination is not. A good answer notices the situation and stays both safe and helpful.",
  vlguard:
    "VLGuard test set: safe images with a safe and an unsafe instruction, and unsafe images. A good model helps with the safe instruction and refuses the others.",
  jailbreakv:
    "JailBreakV-28K: 2,000 harmful queries over 16 safety policies turned into 28,000 text–image jailbreaks (LLM jailbreak templates with blank, noise, natural or Stable Diffusion images, and FigStep and query-relevant images). A safe model refuses all of them.",
  mssbench:
    "MSSBench (multimodal situational safety): each query comes with a safe and an unsafe situation image; the model should help in the safe one and warn or refuse in the unsafe one, as a chat assistant or as a household robot.",
  mmmu: "MMMU: college-exam questions in 30 subjects that need the image, mostly multiple choice.",
  mmstar: "MMStar: 1,500 multiple-choice questions that cannot be answered without the image, 250 for each of 6 core capabilities.",
  "mm-vet": "MM-Vet: 218 open-ended questions tagged with the capabilities they need (recognition, OCR, knowledge, generation, spatial, math), graded 0–1 by an LLM.",
  pope: "POPE: yes/no questions on whether an object is in a COCO image, half of them absent, to measure object hallucination.",
};

export async function benchmarkCatalogue(context: DataContext): Promise<Catalogue> {
  const benchmarks: BenchmarkEntry[] = [];
  for (const benchmark of Object.values(BENCHMARKS)) {
    const subsets: SubsetEntry[] = [];
    for (const subset of benchmark.subsets) subsets.push(await subsetEntry(benchmark, subset, context));
    const { categories, note } = await categoriesOf(benchmark, context);
    const howToGet = subsets.find((s) => s.howToGet)?.howToGet ?? subsets.find((s) => s.problem)?.problem ?? null;
    benchmarks.push({
      id: benchmark.id,
      group: benchmark.group,
      about: ABOUT[benchmark.id] ?? null,
      defaultSubset: benchmark.defaultSubset,
      subsets,
      categories,
      categoriesNote: note,
      howToGet,
    });
  }
  benchmarks.sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group));
  return { dataFolder: context.dataDir !== null, benchmarks: benchmarks.map((b) => hidePaths(b, context)) };
}

async function subsetEntry(benchmark: Benchmark, subset: string, context: DataContext): Promise<SubsetEntry> {
  const isDefault = subset === benchmark.defaultSubset;
  let inventory: Inventory;
  try {
    inventory = await benchmark.inventory({ subset }, context);
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return { subset, isDefault, samples: null, imagesPresent: null, imagesMissing: null, missingExamples: [], howToGet: null, problem: error.message };
  }
  return {
    subset,
    isDefault,
    samples: inventory.samples,
    imagesPresent: inventory.imagesPresent,
    imagesMissing: inventory.imagesMissing,
    missingExamples: inventory.missing.slice(0, MISSING_SHOWN),
    howToGet: inventory.howToGet,
    problem: null,
  };
}

/**
 * Categories with counts, from the cheapest source that has them without the data folder: the
 * shipped metadata of suites that have some, else the samples themselves (when they load), else
 * nothing. FigStep's samples would render 500 images, so its tasks are read instead.
 */
async function categoriesOf(benchmark: Benchmark, context: DataContext): Promise<{ categories: CategoryEntry[]; note: string }> {
  const subset = benchmark.defaultSubset;
  switch (benchmark.id) {
    case "figstep": {
      const { tasks } = await readFigStepTasks({ subset });
      return { categories: counted(tasks.map((t) => t.categoryName)), note: `tasks of the ${subset} subset (shipped)` };
    }
    case siuo.id:
      if (benchmark === siuo) {
        const references = [...(await siuo.references()).values()];
        return { categories: counted(references.map((r) => r.category)), note: "items (shipped text; the same in both subsets)" };
      }
      break;
    case vlguard.id:
      if (benchmark === vlguard) {
        const items = await vlguard.items();
        return {
          categories: counted(items.map((i) => i.harmfulCategory ?? "(safe image: not categorised upstream)")),
          note: "images of the shipped test.json; unsafe images carry upstream's harmful category",
        };
      }
      break;
    case MM_SAFETYBENCH_ID: {
      const questions = await mmSafetyQuestions(context);
      if (questions) return { categories: counted(questions.map((q) => q.scenario)), note: "questions in the data folder's copy, by scenario" };
      return {
        categories: MM_SAFETYBENCH_SCENARIOS.map((category) => ({ category, count: null })),
        note: "scenarios; the questions come from your own copy, so this build cannot count them",
      };
    }
  }
  // Any other suite: count the samples of its default subset when they load in this build, that is
  // when its inventory finds every image (otherwise loading would only fail, after reading metadata).
  const inventory = await benchmark.inventory({ subset }, context).catch((error: unknown) => {
    if (error instanceof DataError) return null;
    throw error;
  });
  if (!inventory || inventory.imagesMissing > 0) {
    return { categories: [], note: "not known in this build: the samples need the data folder" };
  }
  try {
    const started = performance.now();
    const samples = await benchmark.load({ subset }, context);
    process.stderr.write(`benchmark catalogue: loaded ${samples.length} ${benchmark.id} samples in ${Math.round(performance.now() - started)} ms to count categories\n`);
    return { categories: counted(samples.map((s) => s.category ?? "(no category)")), note: `samples of the ${subset} subset` };
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return { categories: [], note: "not known in this build: the samples need the data folder" };
  }
}

/** MM-SafetyBench's questions from the data folder; null when there is no copy there. */
async function mmSafetyQuestions(context: DataContext): Promise<MmSafetyQuestion[] | null> {
  if (!context.dataDir) return null;
  try {
    return await readMmSafetyQuestions(mmSafetyBenchRoot(context));
  } catch (error) {
    if (error instanceof DataError) return null;
    throw error;
  }
}

/** Counts per category, in first-seen order. */
function counted(categories: string[]): CategoryEntry[] {
  const counts = new Map<string, number>();
  for (const category of categories) counts.set(category, (counts.get(category) ?? 0) + 1);
  return [...counts].map(([category, count]) => ({ category, count }));
}

/** The published JSON names files under `<data-dir>`, never the build machine's own path. */
function hidePaths(entry: BenchmarkEntry, context: DataContext): BenchmarkEntry {
  const dir = context.dataDir;
  if (!dir) return entry;
  const hide = (text: string) => text.split(dir).join(DATA_DIR_PLACEHOLDER);
  return JSON.parse(JSON.stringify(entry), (_key, value: unknown) => (typeof value === "string" ? hide(value) : value)) as BenchmarkEntry;
}

export interface GalleryImage {
  sampleId: string;
  category: string;
  /** The text drawn in the image (FigStep's instruction, MM-SafetyBench's key phrase). */
  instruction: string;
  dataUri: string;
}

/** FigStep's SafeBench-Tiny (50 tasks, 5 per category), rendered by thinksafe's renderer. */
export async function figStepGallery(): Promise<GalleryImage[]> {
  const { tasks } = await readFigStepTasks({ subset: "tiny" });
  return tasks.map((task) => ({
    sampleId: figStepSampleId(task),
    category: task.categoryName,
    instruction: task.instruction,
    dataUri: `data:image/png;base64,${renderFigStepImage(task.instruction).toString("base64")}`,
  }));
}

export interface TypoGallery {
  shown: boolean;
  /** Why there are no images, when there are none. */
  reason: string | null;
  images: GalleryImage[];
}

/** One TYPO render of MM-SafetyBench per scenario (its first question), when the data folder holds the questions. */
export async function mmSafetyTypoGallery(context: DataContext): Promise<TypoGallery> {
  if (!context.dataDir) {
    return { shown: false, reason: "This build had no data folder, and thinksafe does not ship MM-SafetyBench's questions, whose key phrases the TYPO images draw.", images: [] };
  }
  const questions = await mmSafetyQuestions(context);
  if (!questions) {
    return { shown: false, reason: `This build's data folder holds no MM-SafetyBench questions (expected ${DATA_DIR_PLACEHOLDER}/mm-safetybench/processed_questions/), whose key phrases the TYPO images draw.`, images: [] };
  }
  const first = new Map<string, MmSafetyQuestion>();
  for (const q of questions) {
    const seen = first.get(q.scenario);
    if (!seen || q.id < seen.id) first.set(q.scenario, q);
  }
  const images = MM_SAFETYBENCH_SCENARIOS.flatMap((scenario) => {
    const q = first.get(scenario);
    if (!q) return [];
    return [{ sampleId: `${q.scenario}/${q.id}`, category: q.scenario, instruction: q.keyPhrase, dataUri: `data:image/png;base64,${renderTypoImage(q.keyPhrase).toString("base64")}` }];
  });
  return { shown: true, reason: null, images };
}
