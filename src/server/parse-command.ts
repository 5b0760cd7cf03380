// Parses one inbound WebSocket message into a command, or says exactly what is wrong with it.
// The boundary of the server: past this point commands are plain, validated values.
//
// Order matters: the size and the nesting depth are checked on the raw bytes, by linear scans,
// before JSON.parse, schema validation or an error message walk the value recursively — a deeply
// nested value must cost an error event, never the stack (a 4,200-level `v` once killed the
// process). Everything echoed back is clipped, so an error never amplifies a message.
import type { z } from 'zod';
import {
  COMMANDS,
  PROTOCOL_VERSION,
  commandSchemas,
  type ClientCommand,
  type CommandId,
  type ErrorCode,
} from './protocol.js';

export interface CommandProblem {
  code: ErrorCode;
  message: string;
  /** The command's `id` when it could be read, so the client can match the error to its request. */
  id?: CommandId;
  /** Dotted path of the offending field, e.g. "topics.1". */
  field?: string;
}

export type ParsedCommand = { ok: true; command: ClientCommand } | { ok: false; problem: CommandProblem };

export interface ParseLimits {
  /** Largest message accepted, in bytes. */
  maxPayloadBytes: number;
  /** Deepest nesting of arrays and objects accepted (the message object itself is level 1). Default 32. */
  maxDepth?: number;
}

/** Commands nest a few levels at most; 32 leaves room for every command to come and stays far from the stack. */
export const MAX_DEPTH = 32;

/** Client-controlled text echoed in an error is cut to this many characters. */
export const ECHO_LIMIT = 120;

/** `data` is the raw frame payload; `isBinary` comes from ws. */
export function parseCommand(data: Buffer, isBinary: boolean, limits: ParseLimits): ParsedCommand {
  if (isBinary) {
    return fail({ code: 'ERR_BINARY_NOT_SUPPORTED', message: 'binary frames are not part of the protocol; send JSON as a text frame' });
  }
  if (data.length > limits.maxPayloadBytes) {
    return fail({
      code: 'ERR_PAYLOAD_TOO_LARGE',
      message: `message of ${data.length} bytes exceeds the limit of ${limits.maxPayloadBytes} bytes; it was discarded`,
    });
  }
  const maxDepth = limits.maxDepth ?? MAX_DEPTH;
  if (nestingExceeds(data, maxDepth)) {
    return fail({
      code: 'ERR_NESTING_TOO_DEEP',
      message: `message nests arrays/objects deeper than ${maxDepth} levels; no command needs more than a few`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (err) {
    return fail({ code: 'ERR_INVALID_JSON', message: `message is not valid JSON (${clip((err as Error).message)})` });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail({ code: 'ERR_INVALID_MESSAGE', message: 'a message must be a JSON object with "v" and "type"' });
  }
  const message = json as Record<string, unknown>;
  const id = readId(message.id);

  if (message.v !== PROTOCOL_VERSION) {
    const got = message.v === undefined ? 'no "v"' : `v=${clip(JSON.stringify(message.v))}`;
    return fail({
      code: 'ERR_UNSUPPORTED_VERSION',
      message: `this server speaks protocol v${PROTOCOL_VERSION}, the message has ${got}; add "v": ${PROTOCOL_VERSION}`,
      field: 'v',
      id,
    });
  }
  if (typeof message.type !== 'string') {
    return fail({ code: 'ERR_INVALID_MESSAGE', message: 'missing "type": a string naming the command', field: 'type', id });
  }
  if (!Object.hasOwn(commandSchemas, message.type)) {
    return fail({
      code: 'ERR_UNKNOWN_COMMAND',
      message: `unknown command "${clip(message.type)}"; this server accepts ${COMMANDS.join(', ')}`,
      field: 'type',
      id,
    });
  }
  const schema = (commandSchemas as Record<string, z.ZodType<ClientCommand>>)[message.type]!;
  const parsed = schema.safeParse(message);
  if (!parsed.success) return fail(describeIssue(message, parsed.error.issues[0], id));
  return { ok: true, command: parsed.data };
}

function describeIssue(message: Record<string, unknown>, issue: z.core.$ZodIssue | undefined, id: CommandId | undefined): CommandProblem {
  const type = String(message.type);
  if (!issue) return { code: 'ERR_INVALID_COMMAND', message: `invalid "${type}" command`, id };
  let path = issue.path.map(String);
  // zod reports unknown keys on the object; name the first such key so the client sees the typo.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path = [...path, issue.keys[0]!];
  // Keys are client input: the field path is clipped in the message and in `ref.field` alike.
  const field = clip(path.join('.'));
  const where = field ? `field "${field}"` : 'the command';
  const what =
    issue.code === 'unrecognized_keys'
      ? 'is not a field of this command'
      : isMissing(message, issue.path)
        ? 'is required'
        : `is invalid: ${clip(issue.message)}`;
  return { code: 'ERR_INVALID_COMMAND', message: `"${type}" command: ${where} ${what}`, field: field || undefined, id };
}

function isMissing(message: Record<string, unknown>, path: readonly PropertyKey[]): boolean {
  let node: unknown = message;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return true;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return false;
}

function readId(value: unknown): CommandId | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= 128) return value;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return undefined;
}

/** Client-controlled text echoed in errors is clipped so an error never amplifies a message. */
export function clip(text: string): string {
  if (text.length <= ECHO_LIMIT) return text;
  return `${text.slice(0, ECHO_LIMIT)}… (${text.length} characters)`;
}

/**
 * True when arrays/objects nest deeper than `max`, by one pass over the bytes that skips strings.
 * Works on UTF-8 as is: every byte of a multi-byte character is >= 0x80, so none reads as a quote,
 * a backslash or a bracket. Malformed JSON is left to JSON.parse; only depth is judged here.
 */
export function nestingExceeds(data: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function fail(problem: CommandProblem): ParsedCommand {
  return { ok: false, problem };
}
