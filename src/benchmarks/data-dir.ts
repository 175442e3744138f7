// Where the user's copies of benchmark data live. One rule everywhere: the --data-dir flag, else
// the experiment's data_dir, else THINKSAFE_DATA_DIR, else none (only shipped data is available).
import { resolve } from "node:path";
import type { DataContext } from "./sample.ts";

export function dataContext(
  flag: string | undefined,
  experimentDataDir: string | null = null,
  env: NodeJS.ProcessEnv = process.env,
): DataContext {
  const dir = flag ?? experimentDataDir ?? (env.THINKSAFE_DATA_DIR || undefined);
  return { dataDir: dir === undefined ? null : resolve(dir) };
}
