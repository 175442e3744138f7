import assert from "node:assert/strict";
import { test } from "node:test";
import { planBuild, type BuildStamp } from "./build-plan.ts";

const built: BuildStamp = {
  loaders: "L1",
  site: { "docs/index.md": "i1", "docs/study.md": "s1", "docs/components/tables.js": "t1", "docs/sql/safety.sql": "q1", "observablehq.config.ts": "c1" },
};
const with_ = (site: Record<string, string | undefined>, loaders = built.loaders): BuildStamp => ({
  loaders,
  site: Object.fromEntries(Object.entries({ ...built.site, ...site }).filter(([, v]) => v !== undefined)) as Record<string, string>,
});

test("nothing changed: nothing to build; no stamp or other loader inputs: the whole site", () => {
  assert.deepEqual(planBuild(built, with_({})), { kind: "up-to-date" });
  assert.deepEqual(planBuild(null, with_({})), { kind: "site" });
  assert.deepEqual(planBuild(built, with_({}, "L2")), { kind: "site" });
});

test("edited pages only: those pages", () => {
  assert.deepEqual(planBuild(built, with_({ "docs/study.md": "s2" })), { kind: "pages", pages: ["/study"] });
  assert.deepEqual(planBuild(built, with_({ "docs/study.md": "s2", "docs/index.md": "i2" })), { kind: "pages", pages: ["/index", "/study"] });
});

test("a component, a statistic's SQL, the config, an added or a removed page: the whole site", () => {
  for (const change of [
    { "docs/components/tables.js": "t2" },
    { "docs/sql/safety.sql": "q2" },
    { "observablehq.config.ts": "c2" },
    { "docs/new.md": "n1" },
    { "docs/study.md": undefined },
    { "docs/study.md": "s2", "docs/components/tables.js": "t2" },
  ]) {
    assert.deepEqual(planBuild(built, with_(change)), { kind: "site" }, JSON.stringify(change));
  }
});
