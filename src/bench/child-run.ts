// The child side of a benchmark's forked process (processes.ts forks, `ask`s and waits): one run
// from the parent, its measure sent back (or why it failed), then the channel closed.

export function answerOneRun<R>(measure: (run: R) => Promise<unknown>): void {
  // The benchmark that forked this process is gone (even killed by SIGKILL): so is this process.
  process.on("disconnect", () => process.exit(0));
  process.once("message", async (command: { type: "run"; run: R }) => {
    try {
      process.send!({ type: "done", measure: await measure(command.run) });
    } catch (error) {
      process.send!({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
    process.disconnect();
  });
}
