// `npm run build`: prepare, run the study, then Framework's build, doing only what the changed
// inputs require. The site is a pure function of its inputs (pages, config, engine code, data,
// experiments, lockfile); dist/ records the digest of each, so that
// - nothing changed: nothing is rebuilt;
// - only pages (docs/**/*.md) changed: only those pages are rendered (framework-build.ts);
// - anything else: Framework builds the whole site, its one data loader rerunning only when a
//   loader input changed (prepare.ts), and the experiments only when a run input did (study.ts).
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { planBuild, type BuildStamp } from "./build-plan.ts";
import { inputDigests, inputsHash, SITE_INPUTS } from "./freshness.ts";
import { buildPages, buildSite } from "./framework-build.ts";
import { lintPages } from "./page-lint.ts";
import { prepareSite, PROJECT_DIR, SITE_ROOT } from "./prepare.ts";
import { missingCells, readSiteRuns, STUDY_DIR_VARIABLE } from "./study-files.ts";

const DIST = join(PROJECT_DIR, "dist");
const STAMP = join(DIST, ".thinksafe-build");

async function build(force: boolean, strict: boolean): Promise<number> {
  const started = performance.now();
  process.chdir(PROJECT_DIR); // Framework resolves docs/ and dist/ against it, as its CLI does.
  await prepareSite();
  const unusable = await lintPages(SITE_ROOT);
  if (unusable.length) {
    for (const line of unusable) console.error(`site: ${line}`);
    return 2;
  }
  const current: BuildStamp = { loaders: await inputsHash(PROJECT_DIR), site: Object.fromEntries(await inputDigests(PROJECT_DIR, SITE_INPUTS)) };
  const previous = existsSync(join(DIST, "index.html")) ? await readStamp() : null;
  const plan = force ? ({ kind: "site" } as const) : planBuild(previous, current);
  // Only pages changed: the study and its data are those dist/ was built from (--strict rechecks them).
  if (plan.kind !== "pages" || strict) {
    // The study's experiments run here, once, with their progress on the console; the loader reads the result.
    const studyDir = await (await import("./study.ts")).siteStudy();
    process.env[STUDY_DIR_VARIABLE] = studyDir;
    const missing = missingCells(await readSiteRuns(studyDir));
    if (missing.length) {
      console.error(`site: ${missing.length} study cell(s) have no results (the status page lists them)${strict ? ":" : "; --strict makes this an error"}`);
      if (strict) {
        for (const line of missing) console.error(`  ${line}`);
        return 1;
      }
    }
    // The data loader's output, made here rather than in a process Framework would start for it.
    if (await (await import("./archive.ts")).prepareSiteArchive(SITE_ROOT)) console.error(`site: data/ published (${seconds(started)})`);
  }
  if (plan.kind === "up-to-date") {
    console.error(`site: dist/ is up to date (${seconds(started)}); \`npm run build -- --force\` rebuilds it`);
    return 0;
  }
  await rm(STAMP, { force: true }); // a failed build must not look up to date later
  if (plan.kind === "pages") {
    await buildPages(PROJECT_DIR, plan.pages);
    console.error(`site: rebuilt ${plan.pages.join(", ")} in ${seconds(started)} (only pages changed)`);
  } else {
    await buildSite(PROJECT_DIR);
    // GitHub Pages publishing from a branch runs Jekyll, which drops folders starting with "_" (all of
    // Framework's assets) unless this file is there.
    await writeFile(join(DIST, ".nojekyll"), "");
    console.error(`site: built into dist/ in ${seconds(started)}`);
  }
  await writeFile(STAMP, `${JSON.stringify(current, null, 1)}\n`);
  return 0;
}

async function readStamp(): Promise<BuildStamp | null> {
  try {
    const stamp = JSON.parse(await readFile(STAMP, "utf8")) as Partial<BuildStamp>;
    return typeof stamp.loaders === "string" && stamp.site && typeof stamp.site === "object" ? (stamp as BuildStamp) : null;
  } catch {
    return null; // none, or from an older thinksafe: build the whole site
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

process.exitCode = await build(process.argv.includes("--force"), process.argv.includes("--strict"));
