#!/usr/bin/env node
// The `thinksafe` command. The project is TypeScript run by tsx, so register its loader first.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv);
