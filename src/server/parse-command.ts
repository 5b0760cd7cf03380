// Parses one inbound WebSocket message into a command, or says exactly what is wrong with it.
// The boundary of the server: past this point commands are plain, validated values.
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

/** `data` is the raw frame payload; `isBinary` comes from ws. Sizes are checked by the caller. */
export function parseCommand(data: Buffer, isBinary: boolean): ParsedCommand {
  if (isBinary) {
    return fail({ code: 'binary_not_supported', message: 'binary frames are not part of the protocol; send JSON as a text frame' });
  }
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (err) {
    return fail({ code: 'invalid_json', message: `message is not valid JSON (${(err as Error).message})` });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail({ code: 'invalid_message', message: 'a message must be a JSON object with "v" and "type"' });
  }
  const message = json as Record<string, unknown>;
  const id = readId(message.id);

  if (message.v !== PROTOCOL_VERSION) {
    const got = message.v === undefined ? 'no "v"' : `v=${JSON.stringify(message.v)}`;
    return fail({
      code: 'unsupported_version',
      message: `this server speaks protocol v${PROTOCOL_VERSION}, the message has ${got}; add "v": ${PROTOCOL_VERSION}`,
      field: 'v',
      id,
    });
  }
  if (typeof message.type !== 'string') {
    return fail({ code: 'invalid_message', message: 'missing "type": a string naming the command', field: 'type', id });
  }
  if (!Object.hasOwn(commandSchemas, message.type)) {
    return fail({
      code: 'unknown_command',
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
  if (!issue) return { code: 'invalid_command', message: `invalid "${type}" command`, id };
  let path = issue.path.map(String);
  // zod reports unknown keys on the object; name the first such key so the client sees the typo.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path = [...path, issue.keys[0]!];
  const field = path.join('.');
  const where = field ? `field "${clip(field)}"` : 'the command';
  const what =
    issue.code === 'unrecognized_keys'
      ? 'is not a field of this command'
      : isMissing(message, issue.path)
        ? 'is required'
        : `is invalid: ${issue.message}`;
  return { code: 'invalid_command', message: `"${type}" command: ${where} ${what}`, field: field || undefined, id };
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
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

function fail(problem: CommandProblem): ParsedCommand {
  return { ok: false, problem };
}
