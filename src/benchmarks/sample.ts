// The one shape every benchmark's items take, whatever the source format.

/** What a benchmark measures: resisting jailbreaks, noticing unsafe situations, or plain capability. */
export type BenchmarkGroup = "jailbreak-robustness" | "safety-awareness" | "capability";

export interface SampleImage {
  /** A file name, unique within the sample. */
  name: string;
  /** null: the bytes are neither (a file from the user's copy); the sample's requests fail with invalid_image. */
  mime: "image/png" | "image/jpeg" | null;
  bytes: Buffer;
  /** Of `bytes`, hex. */
  sha256: string;
  /**
   * Set when the image cannot be sent although its file is there (an image thinksafe draws from the
   * user's file could not be drawn: that file is not an image, or has too many pixels): the sample's
   * requests fail with this error kind and problem, and the run goes on.
   */
  unusable?: { kind: string; problem: string };
}

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
}

/** Where the user's copies of upstream data live: `<dataDir>/<benchmark id>/…`, as each benchmark documents. */
export interface DataContext {
  /** The data folder (from --data-dir, the experiment's data_dir, or THINKSAFE_DATA_DIR); null when none is given. */
  dataDir: string | null;
  /** Most pixels an image drawn from a user's file may have (the experiment's limits.image_megapixels; default 50 MP). */
  maxImagePixels?: number;
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
   * The selected samples with their images. If any image is missing, it throws a DataError that
   * names the missing files and where upstream distributes them: a sample is never sent without
   * its image.
   */
  load(selection?: BenchmarkSelection, context?: DataContext): Promise<Sample[]>;
  /** Counts what is present and missing for the selection, reading no image. */
  inventory(selection?: BenchmarkSelection, context?: DataContext): Promise<Inventory>;
}
