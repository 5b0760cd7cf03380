// Standalone entry: `node dist/src/model-builder/main.js <checkpoint dir> [options]`, the same
// command as `sightline build-model` (used by the benchmark's child process). Errors print as the
// CLI prints them, with the `build-model:` prefix the benchmark looks for.
import { isSightlineError } from '../errors.js';
import { buildModelCommand } from './command.js';

try {
  process.exitCode = await buildModelCommand(process.argv.slice(2));
} catch (err) {
  if (!isSightlineError(err)) throw err;
  process.stderr.write(`build-model: ${err.sentence}\n`);
  process.exitCode = 2;
}
