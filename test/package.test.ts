// The published package as a user gets it: the file list `npm pack` would publish, and the library
// surface resolved by name through package.json `exports`, in a fresh Node process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('the package publishes the compiled product only: no tests, no tools, no models', () => {
  // --ignore-scripts: `prepare` would rebuild; the build under test is the one already in dist/.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  const files = pack!.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/index.js'), 'the library entry point');
  assert.ok(files.includes('dist/src/cli.js'), 'the sightline command');
  assert.ok(files.includes('dist/src/ocr/ocr-worker.js'), 'the OCR worker, loaded by path at run time');
  assert.ok(files.includes('package.json') && files.includes('README.md'));
  const outside = files.filter((f) => !/^(dist\/src\/|docs\/|README\.md$|package\.json$|LICENSE)/.test(f));
  assert.deepEqual(outside, [], 'files outside dist/src, docs, README, LICENSE');
});

test("import('sightline') resolves through exports and exposes the library surface", () => {
  // Run from the package root, Node resolves the package's own name through its `exports`.
  const script = `
    const m = await import('sightline');
    let deep = 'importable';
    try { await import('sightline/dist/src/session.js'); } catch (err) { deep = err.code; }
    console.log(JSON.stringify({ Session: typeof m.Session, SightlineError: typeof m.SightlineError, createEngine: typeof m.createEngine,
      OcrEngine: typeof m.OcrEngine, ReplaySource: typeof m.ReplaySource, PROTOCOL_VERSION: m.PROTOCOL_VERSION, deep }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), {
    Session: 'function',
    SightlineError: 'function',
    createEngine: 'function',
    OcrEngine: 'function',
    ReplaySource: 'function',
    PROTOCOL_VERSION: 1,
    deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
  });
});
