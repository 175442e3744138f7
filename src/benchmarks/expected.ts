// Upstream's published sizes, so `bench validate` can tell a complete copy from a partial one.
// Only sizes stated by each benchmark's paper or release are listed; others are not checked.
export const EXPECTED_SAMPLES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  // FigStep: SafeBench has 10 topics × 50 instructions; SafeBench-Tiny 5 per topic; FigStep-Pro
  // sends the same tasks as sub-figures.
  figstep: { safebench: 500, tiny: 50, pro: 500, "tiny-pro": 50 },
  // MM-SafetyBench: 1,680 questions over 13 scenarios, each with SD, TYPO and SD_TYPO images; Tiny 168.
  "mm-safetybench": { sd: 1680, typo: 1680, sd_typo: 1680, "tiny-sd": 168, "tiny-typo": 168, "tiny-sd_typo": 168 },
  // JailbreakV-28K: 28,000 test cases; the mini set 280.
  jailbreakv: { full: 28000, mini: 280 },
  // SIUO: 167 items, in both the generation and the multiple-choice form.
  siuo: { gen: 167, mcqa: 167 },
  // VLGuard test: 558 safe images (a safe and an unsafe instruction each) and 442 unsafe images.
  vlguard: { safe_safe: 558, safe_unsafe: 558, unsafe: 442, all: 1558 },
  // MMMU validation 900; MMStar 1,500; POPE (COCO) 3,000 per split; MM-Vet 218.
  mmmu: { validation: 900 },
  mmstar: { val: 1500 },
  pope: { random: 3000, popular: 3000, adversarial: 3000 },
  "mm-vet": { test: 218 },
};
