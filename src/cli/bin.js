#!/usr/bin/env node
// The `thinksafe` command. The project is TypeScript run by tsx, so register its loader first.
import { register } from "tsx/esm/api";

// The parent as the process starts, before the slow part: a simulator stops when the command that
// started it ends, even if that happens while it is still loading (src/cli/lifetime.ts).
globalThis.thinksafeStartParent = process.ppid;

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv);
