// Mutation testing (`npm run test:mutation`; not in CI, see docs/mutation.md): StrykerJS mutates
// the modules where a one-character slip is a security or correctness bug and checks that the
// tests notice. Stryker instruments every mutant into one copy of the source (mutant switching),
// so the sandbox is compiled once (buildCommand) and each mutant is one `node --test` run of the
// test files that guard these modules, selected by __STRYKER_ACTIVE_MUTANT__.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Compiled paths of the guarding tests: the modules' own suites plus every *-mutants.test.ts. */
function guardingTests() {
  const own = ['test/frames/change.test.ts', 'test/server/commands.test.ts', 'test/server/handshake.test.ts'];
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const mutants = walk('test').filter((f) => f.endsWith('-mutants.test.ts'));
  return [...own, ...mutants.sort()].map((f) => join('dist', f.replace(/\.ts$/, '.js')));
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/frames/change.ts',
    'src/server/parse-command.ts',
    'src/server/auth.ts',
    'src/server/handshake.ts',
    'src/server/origin.ts',
    // To add when they exist (issue 11): grounding coordinates, the executor's policy.
  ],
  testRunner: 'command',
  commandRunner: { command: `node --test --test-concurrency=1 ${guardingTests().join(' ')}` },
  buildCommand: 'tsc -p tsconfig.mutation.json',
  coverageAnalysis: 'off', // the command runner cannot report per-test coverage
  concurrency: 2,
  // A mutant that makes a test wait forever (a handshake never answered) is a timeout, which counts
  // as killed; a short limit keeps those from dominating the run.
  timeoutMS: 4000,
  ignorePatterns: ['dist', 'models', 'recordings', '.cache', 'docs', 'tools/bench'],
  // Stryker rewrites this tsconfig's paths with the TypeScript JS API, which TypeScript 7 no longer
  // ships; our tsconfigs need no rewriting (nothing points outside the sandbox), so name none.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  tempDirName: '.cache/stryker-tmp',
  cleanTempDir: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: '.cache/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
};
