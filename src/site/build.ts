// `npm run build`: prepare, then `observable build` unless dist/ was built from exactly these
// inputs (pages, config, engine code, data, experiments, lockfile): the site is a pure function
// of them, and Framework's own build takes ~10 s even when nothing changed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inputsHash, LOADER_INPUTS, SITE_INPUTS } from "./freshness.ts";
import { lintPages } from "./page-lint.ts";
import { prepareSite, PROJECT_DIR, SITE_ROOT } from "./prepare.ts";
import { missingCells, readSiteRuns, STUDY_DIR_VARIABLE } from "./study-files.ts";
import { siteStudy } from "./study.ts";

const DIST = join(PROJECT_DIR, "dist");
const STAMP = join(DIST, ".thinksafe-build");

async function build(force: boolean, strict: boolean): Promise<number> {
  const started = performance.now();
  await prepareSite();
  const unusable = await lintPages(SITE_ROOT);
  if (unusable.length) {
    for (const line of unusable) console.error(`site: ${line}`);
    return 2;
  }
  // The study's experiments run here, once, with their progress on the console; loaders read the result.
  const studyDir = await siteStudy();
  process.env[STUDY_DIR_VARIABLE] = studyDir;
  const runs = await readSiteRuns(studyDir);
  const missing = missingCells(runs);
  if (missing.length) {
    console.error(`site: ${missing.length} study cell(s) have no results (the status page lists them)${strict ? ":" : "; --strict makes this an error"}`);
    if (strict) {
      for (const line of missing) console.error(`  ${line}`);
      return 1;
    }
  }
  const hash = await inputsHash(PROJECT_DIR, [...SITE_INPUTS, ...LOADER_INPUTS]);
  if (!force && existsSync(join(DIST, "index.html")) && (await readFile(STAMP, "utf8").catch(() => "")) === hash) {
    console.error(`site: dist/ is up to date (${seconds(started)}); \`npm run build -- --force\` rebuilds it`);
    return 0;
  }
  await rm(STAMP, { force: true }); // a failed build must not look up to date later
  const code = await run("observable", ["build"]);
  if (code !== 0) return code;
  // GitHub Pages publishing from a branch runs Jekyll, which drops folders starting with "_" (all of
  // Framework's assets) unless this file is there.
  await writeFile(join(DIST, ".nojekyll"), "");
  await writeFile(STAMP, hash);
  console.error(`site: built into dist/ in ${seconds(started)}`);
  return 0;
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: PROJECT_DIR,
      stdio: "inherit",
      env: { ...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true" },
    });
    // A stopped build stops its child too, instead of leaving it to run on.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const signal of signals) process.on(signal, forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

process.exitCode = await build(process.argv.includes("--force"), process.argv.includes("--strict"));
