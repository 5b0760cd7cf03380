// The one flag parser of every command (`run`, `displays`, `build-model`, the development tools):
// node's parseArgs in strict mode, every mistake a UsageError that names the flag and points at
// the command's help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParseFlagsOptions {
  /** Accept positional arguments (e.g. build-model's checkpoint folder). Default false. */
  positionals?: boolean;
  /** How to ask for help, quoted in every error; default `sightline <command> --help`. */
  helpCommand?: string;
}

/** Parses `argv` against `options` plus `-h/--help`. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, how: ParseFlagsOptions = {}) {
  const help = how.helpCommand ?? `sightline ${command} --help`;
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: how.positionals ?? false });
  } catch (err) {
    // node's text may run over lines and ends with advice about positionals that rarely applies.
    const lines = (err as Error).message.split('\n').filter((line) => !line.startsWith('To specify'));
    throw new UsageError(`${lines.join(' ').replace(/\. To specify.*$/s, '')} (see: ${help})`);
  }
}

export function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${clip(value)}"`);
  return n;
}

export function numberFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${clip(value)}"`);
  return n;
}

/** One of `choices`, or a UsageError listing them. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, fallback: T, choices: readonly T[]): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${clip(value)}"`);
  return value as T;
}

/** Echoed user input stays short. */
export function clip(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
