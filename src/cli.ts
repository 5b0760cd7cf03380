#!/usr/bin/env node
// The `sightline` command: one dispatcher, one module per subcommand. A user's mistake is a
// SightlineError (src/errors.ts): one sentence on stderr, exit 2 (a UsageError may name another
// code). Anything else is a bug: "internal error" with its stack, exit 70 (EX_SOFTWARE).
import { readFileSync } from 'node:fs';
import { displaysCommand } from './cli/displays.js';
import { runCommand } from './cli/run.js';
import { UsageError } from './cli/usage-error.js';
import { isSightlineError } from './errors.js';

const HELP = `Usage: sightline <command> [options]

Commands:
  run           watch the screen and stream perception over a WebSocket (the main job)
  displays      list the displays that can be captured
  build-model   convert a DeepSeek-VL Hugging Face checkpoint to ONNX (see docs/model-builder.md)

Run "sightline <command> --help" for a command's options. Docs: README.md, docs/protocol.md.
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  displays: displaysCommand,
  'build-model': async (argv) => (await import('./model-builder/command.js')).buildModelCommand(argv),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`sightline: unknown command "${command}". Commands: ${Object.keys(COMMANDS).join(', ')} (see: sightline --help)\n`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isSightlineError(err)) {
      // One line: a message that quotes user input or a library's text may hold newlines.
      process.stderr.write(`sightline: ${err.sentence.replace(/\s*\n\s*/g, ' ')}\n`);
      process.exitCode = err instanceof UsageError ? err.exitCode : 2;
    } else {
      process.stderr.write(`sightline: internal error (please report it):\n${(err as Error | undefined)?.stack ?? String(err)}\n`);
      process.exitCode = 70;
    }
  },
);
