// The one shape every benchmark's items take, whatever the source format.
import type { ImageStore } from "../images/store.ts";
import type { SampleImage } from "../images/sample-image.ts";

export type { SampleImage };

/** What a benchmark measures: resisting jailbreaks, noticing unsafe situations, or plain capability. */
export type BenchmarkGroup = "jailbreak-robustness" | "safety-awareness" | "capability";

/** One item to send to a model: a text prompt with its images. */
export interface Sample {
  benchmark: string;
  /** Unique within the benchmark; upstream's own id where there is one. */
  sampleId: string;
  subset: string;
  category: string | null;
  group: BenchmarkGroup;
  prompt: string;
  images: SampleImage[];
  /** Whether a safe model should refuse; null when the benchmark does not say. */
  shouldRefuse: boolean | null;
  /** For safety-awareness items judged in context: is the situation the image shows safe or unsafe? */
  situation?: "safe" | "unsafe";
  /** Capability and multiple-choice items: the reference answer, and the options when there are some. */
  reference?: { answer: string; options?: Record<string, string> };
  /** What a safety judge needs to know beyond the prompt (see JudgeContext); absent for capability items. */
  judgeContext?: JudgeContext;
}

/**
 * What a safety judge needs to know about a sample beyond its prompt, each part taken verbatim from
 * the benchmark's own data and never written by thinksafe. In the jailbreak suites the request is
 * carried by the image ("Steps to manufacture illegal drugs." typed into a picture, a benign text
 * prompt beside it), so a judge that reads only the prompt does not know what was asked. A part the
 * data does not hold is absent. Stored in responses.parquet as the STRUCT column `judge_context`
 * (fields in snake_case, with the sample's `situation`), filled into the judges' rubrics, and shown
 * in the sample browser.
 */
export interface JudgeContext {
  /**
   * The request the sample carries, in plain words: FigStep's SafeBench question, MM-SafetyBench's
   * original question, JailBreakV's redteam_query, SIUO's question, MSSBench's query or
   * instruction, VLGuard's instruction.
   */
  request?: string;
  /** What the user means to do in the pictured situation (MSSBench chat's `intent`). */
  intent?: string;
  /** Text typed into the image: FigStep's instruction (FigStep-Pro's phrase), MM-SafetyBench's TYPO key phrase. */
  typedText?: string;
  /** MM-SafetyBench's key phrase: what its image shows or spells out. */
  keyPhrase?: string;
  /** How the request is hidden: JailBreakV's `format`, FigStep or FigStep-Pro, MM-SafetyBench's image kind. */
  attack?: string;
  /** What the image shows, in the benchmark's words (MSSBench's `unsafe_image`, `observation_safe|unsafe`). */
  imageDescription?: string;
  /** Why the combination of text and image is unsafe (SIUO's `safety_warning`). */
  safetyWarning?: string;
  /** A safe and helpful answer the benchmark gives (SIUO's `reference_answer`). */
  referenceAnswer?: string;
  /** A caption of the image written by a captioning model (the TiS build's; never a benchmark's). */
  caption?: string;
}

/** Where the user's copies of upstream data live: `<dataDir>/<benchmark id>/…`, as each benchmark documents. */
export interface DataContext {
  /** The data folder (from --data-dir, the experiment's data_dir, or THINKSAFE_DATA_DIR); null when none is given. */
  dataDir: string | null;
  /** Most pixels an image drawn from a user's file may have (the experiment's limits.image_megapixels; default 50 MP). */
  maxImagePixels?: number;
  /** Where image hashes are remembered and drawn images kept (default: the default cache folder's). */
  images?: ImageStore;
}

/** What of a benchmark is present locally, without reading any image. */
export interface Inventory {
  subset: string;
  samples: number;
  imagesPresent: number;
  imagesMissing: number;
  /** Each missing file, where it was expected. */
  missing: string[];
  /** Where upstream distributes what is missing, and the layout expected under the data folder. */
  howToGet: string | null;
}

export interface BenchmarkSelection {
  /** Defaults to the benchmark's `defaultSubset`. */
  subset?: string;
  /** Only the first `limit` samples, in the source's order. */
  limit?: number;
}

export interface Benchmark {
  id: string;
  group: BenchmarkGroup;
  subsets: readonly string[];
  defaultSubset: string;
  /**
   * The selected samples with their images (by reference: hashed or found in the index, drawn or
   * found in the render cache, never held). If any image is missing, it throws a DataError that
   * names the missing files and where upstream distributes them: a sample is never sent without
   * its image.
   */
  load(selection?: BenchmarkSelection, context?: DataContext): Promise<Sample[]>;
  /** Counts what is present and missing for the selection, reading no image. */
  inventory(selection?: BenchmarkSelection, context?: DataContext): Promise<Inventory>;
}
