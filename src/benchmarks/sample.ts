// The one shape every benchmark's items take, whatever the source format.

/** What a benchmark measures: resisting jailbreaks, noticing unsafe situations, or plain capability. */
export type BenchmarkGroup = "jailbreak-robustness" | "safety-awareness" | "capability";

export interface SampleImage {
  /** A file name, unique within the sample. */
  name: string;
  mime: "image/png" | "image/jpeg";
  bytes: Buffer;
  /** Of `bytes`, hex. */
  sha256: string;
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
  load(selection?: BenchmarkSelection): Promise<Sample[]>;
}
