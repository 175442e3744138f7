// `thinksafe simulate`: serve the simulated models until SIGINT, SIGTERM or SIGHUP, or until the
// command that started it ends (lifetime.ts).
import { UsageError } from "../errors.ts";
import { loadExperiment } from "../experiments/load.ts";
import { DEFAULT_SIMULATOR_CONFIG, loadSimulatorConfig, modelsSpeaking, startSimulator, type SimulatorConfig } from "../simulator/index.ts";
import { untilStopped } from "./lifetime.ts";

export interface SimulateOptions {
  port: number;
  host: string;
  /** A YAML or JSON simulator config; the default models when absent. */
  config?: string;
  /** An experiment whose models the simulator serves under their own names, each in its profile's format. */
  experiment?: string;
}

export const DEFAULT_SIMULATE_HOST = "127.0.0.1";

export async function simulateCommand(
  options: SimulateOptions,
  io: { out(text: string): void; err(text: string): void },
): Promise<void> {
  const config = await configFor(options);
  const simulator = await startSimulator(config, { host: options.host || DEFAULT_SIMULATE_HOST, port: options.port }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") throw new UsageError(`port ${options.port} is already in use; choose another with --port`);
      if (error.code === "EADDRNOTAVAIL") throw new UsageError(`cannot listen on host ${options.host}; use a local address such as 127.0.0.1`);
      throw error;
    },
  );
  io.out(`Simulator listening on ${simulator.url} with models: ${config.models.map((model) => model.name).join(", ")}`);
  io.out("All output is simulated (marked [simulated] and x-thinksafe-simulated: true); no real model is running. Stop with Ctrl-C.");

  // It never outlives the command that started it: a signal, or that command ending (even by
  // SIGKILL, when it forwards nothing), stops it.
  const reason = await untilStopped();
  await simulator.close();
  io.err(`Simulator stopped (${reason === "parent-exited" ? "the command that started it ended" : reason}).`);
}

async function configFor(options: SimulateOptions): Promise<SimulatorConfig> {
  const base = options.config ? await loadSimulatorConfig(options.config) : DEFAULT_SIMULATOR_CONFIG;
  if (!options.experiment) return base;
  // Endpoints do not matter here, only which models the experiment names and their profiles.
  const experiment = await loadExperiment(options.experiment, { env: {} });
  const speaking = modelsSpeaking(experiment.models.filter((m) => !m.simulated).map((m) => ({ name: m.model, profile: m.profile.id })));
  const names = new Set(speaking.map((m) => m.name));
  return { ...base, models: [...base.models.filter((m) => !names.has(m.name)), ...speaking] };
}
