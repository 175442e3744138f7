// The two entry points of @observablehq/framework (pinned in package.json) that `observable build`
// itself calls; the package ships no type declarations.
declare module "@observablehq/framework/dist/config.js" {
  export interface Config {
    root: string;
    output: string;
    paths(): AsyncIterable<string>;
  }
  export function readConfig(configPath?: string, root?: string): Promise<Config>;
}

declare module "@observablehq/framework/dist/build.js" {
  import type { Config } from "@observablehq/framework/dist/config.js";
  export class FileBuildEffects {
    constructor(outputRoot: string, cacheDir: string, options?: { logger?: Pick<Console, "log" | "warn" | "error">; output?: { write(text: string): unknown } });
  }
  export function build(context: { config: Config }, effects?: FileBuildEffects): Promise<void>;
}
