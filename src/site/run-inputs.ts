// What the site's experiment runs (src/site/study.ts) and TiS builds (src/site/tis.ts) depend on:
// every loader input except the statistics computed only when the site's files are published, so
// that editing one of those SQL files recomputes the tables in seconds, not the experiments.
import { AGREEMENT_TABLES } from "../agreement/index.ts";
import { CAPABILITY_TABLES } from "../stats/capability.ts";
import { STUDY_STEPS, STUDY_TABLES } from "../stats/study.ts";
import { TIS_TABLES } from "../stats/tis.ts";
import { inputsHash, isPublishTimeSql, LOADER_INPUTS } from "./freshness.ts";

export const PUBLISH_TIME_TABLES: ReadonlySet<string> = new Set([
  ...Object.keys(STUDY_STEPS),
  ...Object.keys(STUDY_TABLES),
  ...Object.keys(CAPABILITY_TABLES),
  ...Object.keys(TIS_TABLES),
  ...Object.keys(AGREEMENT_TABLES),
]);

export function runInputsHash(projectDir: string): Promise<string> {
  return inputsHash(projectDir, LOADER_INPUTS, (path) => !isPublishTimeSql(path, PUBLISH_TIME_TABLES));
}
