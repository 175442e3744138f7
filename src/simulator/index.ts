// A local OpenAI-compatible server that behaves like vLLM serving reasoning and base models,
// with deterministic, clearly simulated output. The fixture of model tests and the offline demo.
export {
  DEFAULT_SIMULATOR_CONFIG,
  loadSimulatorConfig,
  modelsSpeaking,
  parseSimulatorConfig,
  REASONING_MODES,
  type LatencyConfig,
  type ModelConfig,
  type ReasoningMode,
  type SimulatorConfig,
} from "./config.ts";
export { GENERATION_VERSION, REFUSAL_SENTENCES, SIMULATED_MARK } from "./generate.ts";
export { startSimulator, type RunningSimulator, type SimulatorStats } from "./server.ts";
export { DEFAULT_FINE_TUNING_TIMINGS, type FineTuningTimings } from "./fine-tuning.ts";
export { parseFineTunedName, trainingWeight } from "./fine-tuned.ts";
