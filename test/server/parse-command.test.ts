// The parser on its own: nesting and size are judged on the raw bytes before anything recursive
// runs, and everything it echoes is clipped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ECHO_LIMIT, MAX_DEPTH, clip, nestingExceeds, parseCommand, type ParsedCommand } from '../../src/server/parse-command.js';

const limits = { maxPayloadBytes: 4 * 1024 * 1024 };

function parse(text: string, options = limits): ParsedCommand {
  return parseCommand(Buffer.from(text), false, options);
}

function problem(text: string, options = limits) {
  const parsed = parse(text, options);
  assert.equal(parsed.ok, false, `accepted: ${text.slice(0, 100)}`);
  return (parsed as Extract<ParsedCommand, { ok: false }>).problem;
}

const nested = (depth: number, inner = '0') => '['.repeat(depth) + inner + ']'.repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);

describe('parseCommand: nesting depth', () => {
  test('4,200 and 100,000 levels in every place of a command get ERR_NESTING_TOO_DEEP, never a RangeError', () => {
    for (const depth of [MAX_DEPTH + 1, 4200, 100_000]) {
      for (const value of [nested(depth), nestedObject(depth)]) {
        const places = [
          `{"v":${value},"type":"resume"}`,
          `{"v":1,"type":"subscribe","topics":${value}}`,
          `{"v":1,"type":"pause","id":${value}}`,
          `{"v":1,"type":"pause","${'k'.repeat(10)}":${value}}`,
          `{"v":1,"type":${value}}`,
          value,
        ];
        for (const text of places) {
          const p = problem(text);
          assert.equal(p.code, 'ERR_NESTING_TOO_DEEP', `depth ${depth}: ${text.slice(0, 40)}`);
          assert.match(p.message, new RegExp(`deeper than ${MAX_DEPTH} levels`));
        }
      }
    }
  });

  test('exactly the limit is parsed normally', () => {
    // The message object is level 1, so the value may nest MAX_DEPTH - 1 levels.
    const p = problem(`{"v":1,"type":"pause","id":${nested(MAX_DEPTH - 1)}}`);
    assert.equal(p.code, 'ERR_INVALID_COMMAND');
    assert.equal(p.field, 'id');
  });

  test('brackets, quotes and escapes inside strings do not count', () => {
    const deepInString = JSON.stringify({ v: 1, type: 'pause', id: `${'['.repeat(500)}\\"{{{{` });
    assert.equal(nestingExceeds(Buffer.from(deepInString), 2), false);
    assert.equal(nestingExceeds(Buffer.from('{"a":"\\\\"}'), 1), false, 'an escaped backslash ends before the quote');
    assert.equal(nestingExceeds(Buffer.from('{"a":"\\\\",[[1]]}'), 2), true, 'and the brackets after it count');
    assert.equal(nestingExceeds(Buffer.from(`{"é[":"ü{","x":[["😀"]]}`), 3), false, 'multi-byte UTF-8 is skipped like ASCII');
    assert.equal(nestingExceeds(Buffer.from(`{"é[":"ü{","x":[[["😀"]]]}`), 3), true);
  });

  test('a message over maxPayloadBytes is refused before it is scanned or parsed', () => {
    const p = problem(`{"v":1,"type":"pause","pad":"${'x'.repeat(100)}"}`, { maxPayloadBytes: 64 });
    assert.equal(p.code, 'ERR_PAYLOAD_TOO_LARGE');
    assert.match(p.message, /exceeds the limit of 64 bytes/);
  });
});

describe('parseCommand: echoes are clipped', () => {
  const huge = 'x'.repeat(60 * 1024);

  test(`clip keeps ${ECHO_LIMIT} characters, an ellipsis and the original length`, () => {
    assert.equal(clip('short'), 'short');
    assert.equal(clip('y'.repeat(ECHO_LIMIT)), 'y'.repeat(ECHO_LIMIT));
    assert.equal(clip(huge), `${'x'.repeat(ECHO_LIMIT)}… (61440 characters)`);
  });

  test('a 60 KB v, type, unknown key or bad field value never comes back whole', () => {
    const cases = [
      { text: JSON.stringify({ v: huge, type: 'pause' }), code: 'ERR_UNSUPPORTED_VERSION' },
      { text: JSON.stringify({ v: [huge, huge], type: 'pause' }), code: 'ERR_UNSUPPORTED_VERSION' },
      { text: JSON.stringify({ v: 1, type: huge }), code: 'ERR_UNKNOWN_COMMAND' },
      { text: JSON.stringify({ v: 1, type: 'pause', [huge]: 1 }), code: 'ERR_INVALID_COMMAND' },
      { text: JSON.stringify({ v: 1, type: 'subscribe', topics: [huge] }), code: 'ERR_INVALID_COMMAND' },
      { text: JSON.stringify({ v: 1, type: 'pause', id: huge }), code: 'ERR_INVALID_COMMAND' },
      { text: `{"v":1,"type":"pause","x":${huge}}`, code: 'ERR_INVALID_JSON' },
    ];
    for (const { text, code } of cases) {
      const p = problem(text);
      assert.equal(p.code, code, text.slice(0, 60));
      const echoed = JSON.stringify(p);
      assert.ok(echoed.length < 600, `${code}: ${echoed.length} characters echoed: ${echoed.slice(0, 300)}`);
    }
    const unknownKey = problem(JSON.stringify({ v: 1, type: 'pause', [huge]: 1 }));
    assert.equal(unknownKey.field, clip(huge), 'ref.field is clipped too');
    assert.match(unknownKey.message, /\(61440 characters\)/);
  });
});
