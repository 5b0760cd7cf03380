// Runs every compiled test file (dist/test/**/*.test.js) with node's built-in test runner.
// Node 20's `--test` takes no globs, so the list is gathered here. Pass a substring to filter:
//   node test/run.mjs ocr        → only test files whose path contains "ocr".
// The reliability suite (test/reliability/: fuzz, auth matrix, load, soak, faults; a few minutes)
// runs only when the filter names it: `node test/run.mjs reliability/` (npm run test:reliability).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filter = process.argv[2] ?? '';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const wantsReliability = filter.includes('reliability');
const files = walk(root)
  .filter((f) => f.endsWith('.test.js') && f.includes(filter))
  .filter((f) => wantsReliability || !f.includes('/reliability/'))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${root}${filter ? ` matching "${filter}"` : ''}; run \`npm run build\` first`);
  process.exit(1);
}
// One file at a time keeps timing-sensitive integration tests off each other's cores (CI has 2).
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
