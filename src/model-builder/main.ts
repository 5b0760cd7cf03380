// Standalone entry: `node dist/src/model-builder/main.js <checkpoint dir> [options]`, the same
// command as `sightline build-model` (used by the benchmark's child process).
import { buildModelCommand } from './command.js';

process.exitCode = await buildModelCommand(process.argv.slice(2));
