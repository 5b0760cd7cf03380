// The protocol boundary, called directly with the bytes a client could send: each answer's code,
// field, id and exact message. These kill the mutants of parse-command.ts that commands.test.ts
// let live (docs/mutation.md). The sentences are part of the contract: they tell the client what to fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOPICS } from '../../src/server/protocol.js';
import { ECHO_LIMIT, parseCommand, type CommandProblem } from '../../src/server/parse-command.js';

const limits = { maxPayloadBytes: 64 * 1024 };

function problem(message: unknown, isBinary = false): CommandProblem {
  const data = typeof message === 'string' ? Buffer.from(message) : Buffer.from(JSON.stringify(message));
  const parsed = parseCommand(data, isBinary, limits);
  assert.equal(parsed.ok, false, `expected a problem for ${data.toString().slice(0, 80)}`);
  return (parsed as { ok: false; problem: CommandProblem }).problem;
}

test('valid commands come out as plain values, unchanged', () => {
  const cases = [
    { v: 1, type: 'pause' },
    { v: 1, type: 'resume', id: 'r' },
    { v: 1, type: 'stop', id: 0 },
    { v: 1, type: 'subscribe', topics: [] },
    { v: 1, type: 'subscribe', id: -3, topics: ['frame', 'elements', 'metrics'], thumbnails: true },
  ];
  for (const command of cases) assert.deepEqual(parseCommand(Buffer.from(JSON.stringify(command)), false, limits), { ok: true, command });
});

test('a binary frame is refused even when it holds a valid command', () => {
  assert.deepEqual(problem({ v: 1, type: 'pause' }, true), {
    code: 'ERR_BINARY_NOT_SUPPORTED',
    message: 'binary frames are not part of the protocol; send JSON as a text frame',
  });
});

test('invalid JSON says so with the parser reason; JSON that is not an object is invalid_message', () => {
  const bad = problem('{"v":1,');
  assert.equal(bad.code, 'ERR_INVALID_JSON');
  assert.match(bad.message, /^message is not valid JSON \(.+\)$/);
  for (const value of ['null', '5', '"pause"', '[]', '[{"v":1,"type":"pause"}]', 'true']) {
    assert.deepEqual(problem(value), { code: 'ERR_INVALID_MESSAGE', message: 'a message must be a JSON object with "v" and "type"' }, value);
  }
});

test('the version is checked first and named; the message says what to add', () => {
  assert.deepEqual(problem({ type: 'pause', id: 'x' }), {
    code: 'ERR_UNSUPPORTED_VERSION',
    message: 'this server speaks protocol v1, the message has no "v"; add "v": 1',
    field: 'v',
    id: 'x',
  });
  assert.equal(problem({ v: '1', type: 'pause' }).message, 'this server speaks protocol v1, the message has v="1"; add "v": 1');
  assert.equal(problem({ v: 2, type: 'nonsense' }).code, 'ERR_UNSUPPORTED_VERSION');
  assert.equal(problem({ v: null }).message, 'this server speaks protocol v1, the message has v=null; add "v": 1');
});

test('the id is echoed only when it is a usable id: 1..128 characters, or an integer', () => {
  const idOf = (id: unknown) => problem({ v: 1, type: 'nope', id }).id;
  assert.equal(idOf('a'), 'a');
  assert.equal(idOf('i'.repeat(128)), 'i'.repeat(128));
  assert.equal(idOf('i'.repeat(129)), undefined);
  assert.equal(idOf(''), undefined);
  assert.equal(idOf(0), 0);
  assert.equal(idOf(-7), -7);
  assert.equal(idOf(1.5), undefined);
  assert.equal(idOf(true), undefined);
  assert.equal(idOf({ id: 1 }), undefined);
  assert.equal(idOf(['a']), undefined);
});

test('a missing or non-string type is named', () => {
  for (const message of [{ v: 1 }, { v: 1, type: 3 }, { v: 1, type: null }, { v: 1, type: ['pause'] }]) {
    assert.deepEqual(problem({ ...message, id: 9 }), { code: 'ERR_INVALID_MESSAGE', message: 'missing "type": a string naming the command', field: 'type', id: 9 });
  }
});

test('an unknown type lists the commands, and its echo is clipped to ECHO_LIMIT characters', () => {
  assert.deepEqual(problem({ v: 1, type: 'teleport' }), {
    code: 'ERR_UNKNOWN_COMMAND',
    message: 'unknown command "teleport"; this server accepts subscribe, pause, resume, stop, act, approve, reject, ask, cancel, goal, read, find',
    field: 'type',
    id: undefined,
  });
  const exact = 't'.repeat(ECHO_LIMIT);
  assert.match(problem({ v: 1, type: exact }).message, new RegExp(`^unknown command "${exact}"; this server accepts `));
  assert.match(problem({ v: 1, type: `${exact}EXTRA` }).message, new RegExp(`^unknown command "${exact}… \\(${ECHO_LIMIT + 5} characters\\)"; this server accepts `));
  for (const inherited of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) assert.equal(problem({ v: 1, type: inherited }).code, 'ERR_UNKNOWN_COMMAND', inherited);
});

test('schema problems name the field and say whether it is missing, misspelt or invalid', () => {
  assert.deepEqual(problem({ v: 1, type: 'subscribe', id: 'm' }), {
    code: 'ERR_INVALID_COMMAND',
    message: '"subscribe" command: field "topics" is required',
    field: 'topics',
    id: 'm',
  });
  const nulled = problem({ v: 1, type: 'subscribe', topics: null });
  assert.equal(nulled.field, 'topics');
  assert.match(nulled.message, /^"subscribe" command: field "topics" is invalid: /, 'null is present, so invalid, not missing');
  const item = problem({ v: 1, type: 'subscribe', topics: ['frame', 'frames'] });
  assert.equal(item.field, 'topics.1');
  assert.match(item.message, /^"subscribe" command: field "topics\.1" is invalid: /);
  assert.deepEqual(problem({ v: 1, type: 'pause', colour: 'red', size: 1 }), {
    code: 'ERR_INVALID_COMMAND',
    message: '"pause" command: field "colour" is not a field of this command',
    field: 'colour',
    id: undefined,
  });
  const tooMany = problem({ v: 1, type: 'subscribe', topics: Array.from({ length: TOPICS.length + 1 }, () => 'frame') });
  assert.equal(tooMany.field, 'topics');
  assert.match(tooMany.message, /is invalid: /);
  const badId = problem({ v: 1, type: 'stop', id: 2.5 });
  assert.equal(badId.field, 'id');
  assert.equal(badId.id, undefined);
});

test('a misspelt field name is clipped, in the message and in `field`', () => {
  const key = 'k'.repeat(ECHO_LIMIT + 30);
  const p = problem({ v: 1, type: 'pause', [key]: 1 });
  assert.equal(p.field, `${'k'.repeat(ECHO_LIMIT)}… (${ECHO_LIMIT + 30} characters)`);
  assert.equal(p.message, `"pause" command: field "${'k'.repeat(ECHO_LIMIT)}… (${ECHO_LIMIT + 30} characters)" is not a field of this command`);
});
