// No module in src/ imports itself through others: a circle makes load order decide which side
// sees the other's bindings undefined, and ties modules that should move apart. Static imports and
// re-exports count, type-only ones too (they tie the modules all the same); a dynamic import() is
// a deliberate lazy edge (site/tis-files.ts runs site/tis.ts only when its folder is missing) and
// does not. `npx madge --circular --extensions ts src` gives the same answer.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Each .ts file under `dir` → the .ts files it imports statically (relative specifiers only). */
function importGraph(dir: string): Map<string, string[]> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
    const targets = source.statements
      .filter((s): s is ts.ImportDeclaration | ts.ExportDeclaration => ts.isImportDeclaration(s) || ts.isExportDeclaration(s))
      .map((s) => s.moduleSpecifier)
      .filter((m): m is ts.StringLiteral => m !== undefined && ts.isStringLiteral(m) && m.text.startsWith("."))
      .map((m) => resolve(dirname(file), m.text));
    graph.set(relative(dir, file), targets.filter((t) => t.endsWith(".ts")).map((t) => relative(dir, t)));
  }
  return graph;
}

/** Every circle: the strongly connected components (Tarjan) with more than one module, or a self-import. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.includes(node)) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

test("importCycles finds a circle of two, one through three, and a self-import, and nothing in a tree", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["a.ts", "c.ts"]],
    ["c.ts", ["d.ts"]],
    ["d.ts", ["e.ts"]],
    ["e.ts", ["c.ts"]],
    ["f.ts", ["f.ts"]],
    ["g.ts", ["a.ts", "h.ts"]],
    ["h.ts", []],
  ]);
  assert.deepEqual(importCycles(graph), [["a.ts", "b.ts"], ["c.ts", "d.ts", "e.ts"], ["f.ts"]]);
  assert.deepEqual(importCycles(new Map([["x.ts", ["y.ts"]], ["y.ts", ["z.ts"]], ["z.ts", []]])), []);
});

test("no import circle in src/", () => {
  const graph = importGraph(SRC);
  assert.ok(graph.size > 100, `read ${graph.size} modules under ${SRC}`);
  assert.ok(graph.get("cli/main.ts")?.includes("cli/tis.ts"), "the graph holds main.ts's imports");
  assert.deepEqual(importCycles(graph), [], "modules that import each other (directly or through others)");
});
