// What `npm run build` must redo, from what dist/ was built from and what the inputs are now.

/** The loader inputs' hash (freshness.ts) and each site input file's digest, by project-relative path. */
export interface BuildStamp {
  loaders: string;
  site: Record<string, string>;
}

/** What a build must do to bring dist/ from `previous` to `current`. */
export type BuildPlan = { kind: "up-to-date" } | { kind: "pages"; pages: string[] } | { kind: "site" };

export function planBuild(previous: BuildStamp | null, current: BuildStamp): BuildPlan {
  if (!previous || previous.loaders !== current.loaders) return { kind: "site" };
  const paths = new Set([...Object.keys(previous.site), ...Object.keys(current.site)]);
  const changed = [...paths].filter((path) => previous.site[path] !== current.site[path]);
  if (changed.length === 0) return { kind: "up-to-date" };
  // An added or removed page changes every page's navigation; a component or the config, any page.
  const pageOnly = changed.every((path) => /^docs\/(?!components\/).*\.md$/.test(path.replaceAll("\\", "/")) && path in previous.site && path in current.site);
  return pageOnly ? { kind: "pages", pages: changed.map((path) => path.replaceAll("\\", "/").replace(/^docs/, "").replace(/\.md$/, "")).sort() } : { kind: "site" };
}

