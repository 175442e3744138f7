// Fine-tuning runs: jobs through OpenAI's fine-tuning API (or the simulator's), checkpoints trained
// elsewhere and served behind an endpoint, and the run store that records both.
export { recordCheckpoint, type CheckpointOptions } from "./checkpoint.ts";
export {
  cancelFineTune,
  createFineTune,
  experimentModelEntry,
  HYPERPARAMETERS,
  refreshFineTune,
  waitForFineTune,
  type CreateOptions,
  type FineTuneEndpoint,
  type FollowOptions,
  type FollowResult,
  type Hyperparameters,
} from "./jobs.ts";
export { defaultStoreDir, FineTuneStore, TERMINAL_STATUSES, type FineTuneRecord } from "./store.ts";
