// The simulator in its own process for benchmarks, so that server and client do not share one
// event loop (and one core). Driven over the IPC channel of child_process.fork.
import { startSimulator, type SimulatorConfig } from "../simulator/index.ts";

type Command = { type: "start"; config: SimulatorConfig } | { type: "stats" } | { type: "close" };

let running: Awaited<ReturnType<typeof startSimulator>> | undefined;

// The benchmark that forked this process is gone (even killed by SIGKILL): so is the simulator.
process.on("disconnect", () => process.exit(0));

process.on("message", async (command: Command) => {
  if (command.type === "start") {
    running = await startSimulator(command.config, { port: 0 });
    process.send!({ type: "started", url: running.url });
  } else if (command.type === "stats") {
    const usage = process.resourceUsage();
    process.send!({ type: "stats", stats: running?.stats(), cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 });
  } else {
    await running?.close();
    process.exit(0);
  }
});
