export type { Judge, Verdict } from "./judge.ts";
export { REFUSAL_KEYWORDS, refusalKeywords } from "./refusal-keywords.ts";
