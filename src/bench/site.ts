// `npm run bench:site`: the site build's four cases, timed as a user meets them, in a fresh copy of
// the project's committed files (git archive of HEAD) with this project's node_modules linked in:
//   cold     `npm run build` with no cache of any kind (the simulator answers every request)
//   nothing  a rebuild with nothing changed
//   sql      a rebuild after a one-line comment is added to src/stats/degradation.sql
//   page     a rebuild after a one-line comment is added to docs/study.md
// Each is printed against its bar from issue 12 (cold ≤ 60 s, sql ≤ 15 s, page ≤ 5 s on 2 cores),
// with the machine's load average, since other work on the machine slows every case. The page case
// is also shown against its floor: Framework alone (plain node, no npm, no thinksafe) loading and
// building that one page, which is what any rebuild through Framework's build must pay.
//   npm run bench:site [-- --keep]
import { execFileSync, spawnSync } from "node:child_process";
import { appendFile, mkdtemp, rm, symlink } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_DIR } from "../site/paths.ts";

const { values } = parseArgs({ options: { keep: { type: "boolean", default: false } } });

const BARS: Record<string, number | null> = { cold: 60, nothing: null, sql: 15, page: 5 };

const dir = await mkdtemp(join(tmpdir(), "thinksafe-bench-site-"));
try {
  const archive = execFileSync("git", ["archive", "--format=tar", "HEAD"], { cwd: PROJECT_DIR, maxBuffer: 512 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  await symlink(join(PROJECT_DIR, "node_modules"), join(dir, "node_modules"));
  console.log(`bench:site in ${dir} (HEAD of ${PROJECT_DIR}; ${availableParallelism()} cores)`);
  const build = (name: string) => {
    const load = loadavg()[0]!;
    const started = performance.now();
    const run = spawnSync("npm", ["run", "build"], { cwd: dir, encoding: "utf8", env: { ...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true" } });
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 0) throw new Error(`${name}: npm run build failed:\n${run.stderr.slice(-4000)}`);
    const bar = BARS[name] ?? null;
    const verdict = bar === null ? "" : `  ${(seconds / bar).toFixed(2)}× the ${bar} s bar${seconds <= bar ? "" : "  OVER"}`;
    console.log(`${name.padEnd(8)} ${seconds.toFixed(1).padStart(6)} s${verdict}  (load average before: ${load.toFixed(1)})`);
    return seconds;
  };
  build("cold");
  build("nothing");
  await appendFile(join(dir, "src", "stats", "degradation.sql"), "\n-- bench:site: a one-line change\n");
  build("sql");
  await appendFile(join(dir, "docs", "study.md"), "\n<!-- bench:site: a one-line change -->\n");
  const page = build("page");
  const floor = frameworkFloor(dir, "/study");
  console.log(`${"floor".padEnd(8)} ${floor.toFixed(1).padStart(6)} s  Framework alone building /study (the page case is ${(page / floor).toFixed(2)}× it)`);
} finally {
  if (values.keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}

/**
 * Seconds for a plain node process to load Framework and build `page` alone into a scratch folder,
 * as `observable build` would with a config listing that one page: the least a page rebuild costs.
 */
function frameworkFloor(dir: string, page: string): number {
  const script = `
    const { readConfig } = await import("@observablehq/framework/dist/config.js");
    const { build } = await import("@observablehq/framework/dist/build.js");
    const config = await readConfig();
    const one = Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(config),
      output: { value: ${JSON.stringify(join(dir, "floor-dist"))}, enumerable: true },
      paths: { value: async function* () { yield ${JSON.stringify(page)}; }, enumerable: true } });
    await build({ config: one });`;
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, encoding: "utf8", env: { ...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true" } });
  if (run.status !== 0) throw new Error(`floor: Framework's build of ${page} failed:\n${run.stderr.slice(-4000)}`);
  return (performance.now() - started) / 1000;
}
