// The layout rules of DESIGN.md, checked on the source: nothing in src/ imports tools/ or test/,
// and no two folders under src/ import each other (directly or through a longer cycle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs from dist/test/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative import specifiers of a module, static and dynamic, resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(ROOT, resolve(dirname(file), spec)));
}

/** The unit of the folder rule: `src/ocr` for src/ocr/reader.ts, `src` for top-level files. */
function unitOf(repoPath: string): string {
  const parts = repoPath.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(relative(ROOT, file));
    for (const target of importsOf(file)) {
      const to = unitOf(target);
      if (to === from || !to.startsWith('src')) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** One cycle among folders, as a path, or null. Top-level src/*.ts files (the roots) are excluded. */
export function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (next === 'src') continue;
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (node === 'src' || state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

test('nothing under src/ imports tools/ or test/', () => {
  const offenders = sourceFiles(SRC).flatMap((file) =>
    importsOf(file)
      .filter((target) => target.startsWith('tools/') || target.startsWith('test/'))
      .map((target) => `${relative(ROOT, file)} -> ${target}`),
  );
  assert.deepEqual(offenders, []);
});

test('no two folders under src/ import each other, directly or in a longer cycle', () => {
  const graph = folderGraph();
  assert.ok(graph.size >= 5, `the folder graph was read (${graph.size} folders import others)`);
  assert.equal(findCycle(graph)?.join(' -> ') ?? null, null);
});

test('the cycle finder finds direct and longer cycles', () => {
  const g = (edges: Array<[string, string]>) => {
    const m = new Map<string, Set<string>>();
    for (const [a, b] of edges) m.set(a, (m.get(a) ?? new Set()).add(b));
    return m;
  };
  assert.deepEqual(findCycle(g([['src/a', 'src/b'], ['src/b', 'src/a']])), ['src/a', 'src/b', 'src/a']);
  assert.deepEqual(findCycle(g([['src/a', 'src/b'], ['src/b', 'src/c'], ['src/c', 'src/a']])), ['src/a', 'src/b', 'src/c', 'src/a']);
  assert.equal(findCycle(g([['src/a', 'src/b'], ['src/b', 'src/c'], ['src/a', 'src/c']])), null);
});
