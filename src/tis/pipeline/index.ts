// The TiS construction pipeline: a build spec in, stage tables and a TiS release file out.
export { buildTis, type StageCounts, type TisBuildOptions, type TisBuildSummary } from "./build.ts";
export { DROP_REASONS, type DropReason } from "./filters.ts";
export { loadTisBuild, type TisBuild } from "./load.ts";
export { tisBuildJsonSchema } from "./spec.ts";
export { ANSWERS_SCHEMA, CAPTIONS_SCHEMA, FILTERED_SCHEMA, SPEC_SCHEMA, type TisRecord } from "./tables.ts";
