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
  /** Where a build writes; FileBuildEffects (the default) empties the output folder first. */
  export interface BuildEffects {
    output: { write(text: string): unknown };
    logger: Pick<Console, "log" | "warn" | "error">;
    prepare(): Promise<void>;
    copyFile(sourcePath: string, outputPath: string): Promise<void>;
    writeFile(outputPath: string, contents: string | Uint8Array): Promise<void>;
    writeBuildManifest(manifest: unknown): Promise<void>;
  }
  export function build(context: { config: Config }, effects?: BuildEffects): Promise<void>;
}
