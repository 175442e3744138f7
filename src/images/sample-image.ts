// A benchmark sample's image as every module sees it: a reference, never the bytes.

/**
 * One of a sample's images, by reference: the sample never holds its bytes. They are read when a
 * request is built (images/store.ts `readImage`, which checks them against `sha256`) and dropped
 * once it is answered, so memory follows the requests in flight, not the size of the benchmark.
 * Whether the bytes are a usable image (PNG or JPEG within the pixel limit) is checked then too.
 */
export interface SampleImage {
  /** A file name, unique within the sample. */
  name: string;
  /** Where the bytes are, absolute: the user's file, or thinksafe's render in the cache's images/renders/. */
  path: string;
  /** Of the file's bytes, hex. */
  sha256: string;
  /**
   * Set when the image cannot be sent although its file is there (an image thinksafe draws from the
   * user's file could not be drawn: that file is not an image, or has too many pixels): the sample's
   * requests fail with this error kind and problem, and the run goes on.
   */
  unusable?: { kind: string; problem: string };
}
