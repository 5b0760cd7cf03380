// Generated and mutated protocol messages for the fuzz test. Deterministic: a seeded PRNG, so a
// failing message can be regenerated from the printed seed and index.

/** mulberry32: small, fast, good enough to spread inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzMessage {
  kind: string;
  data: Buffer;
  isBinary: boolean;
}

const VALID = [
  '{"v":1,"type":"pause"}',
  '{"v":1,"type":"resume","id":7}',
  '{"v":1,"type":"stop","id":"x"}',
  '{"v":1,"type":"subscribe","topics":["frame","elements"],"thumbnails":true}',
  '{"v":1,"type":"subscribe","topics":[],"id":"s-1"}',
];

/** The fields a command may carry plus an unknown one: nesting goes into each of them. */
export const FIELDS = ['v', 'type', 'id', 'topics', 'thumbnails', 'extra'] as const;

const WRONG_VALUES = [
  'null', 'true', 'false', '0', '-0', '1.5', '-1', '1e308', '1e309', '-1e309', '123456789012345678901234567890',
  '9007199254740993', '""', '"1"', '[]', '{}', '[1]', '{"a":1}', '"\\u0000"', '"\\ud800"', '"\\udfff\\ud800"',
  '"💥"', '"\\u202e"', '"pause"', '["frame","frame","frame","frame"]', '["nope"]', '[null]', '[{}]',
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

const UNICODE = ['é', '💥', '\u202e', '\u0000', '\uffff', '\ufeff', '𝕊', '中文', '\u2028', 'ﷺ', '\u00ad'];

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** `depth` levels of arrays or objects around a leaf, as JSON text (built without recursion). */
export function nested(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    const asObject = shape === 'object' || (shape === 'mixed' && i % 2 === 1);
    open.push(asObject ? '{"a":' : '[');
    close.push(asObject ? '}' : ']');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

/** A command whose `field` holds `value` (raw JSON text); the others are those of a valid pause/subscribe. */
export function withField(field: (typeof FIELDS)[number], value: string): string {
  const base: Record<string, string> = { v: '1', type: field === 'topics' || field === 'thumbnails' ? '"subscribe"' : '"pause"' };
  if (field === 'thumbnails') base.topics = '[]';
  base[field] = value;
  return `{${Object.entries(base).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** The nesting cases: every field, arrays, objects and both, at depths up to `maxDepth`. */
export function nestingCases(depths: readonly number[]): FuzzMessage[] {
  const out: FuzzMessage[] = [];
  for (const depth of depths) {
    for (const field of FIELDS) {
      for (const shape of ['array', 'object', 'mixed'] as const) {
        out.push({ kind: `nesting ${depth} in ${field} (${shape})`, data: Buffer.from(withField(field, nested(depth, shape))), isBinary: false });
      }
    }
    out.push({ kind: `nesting ${depth} as the message`, data: Buffer.from(nested(depth, 'array')), isBinary: false });
    out.push({ kind: `nesting ${depth} under a prototype key`, data: Buffer.from(`{"v":1,"type":"pause","__proto__":${nested(depth, 'object')}}`), isBinary: false });
  }
  return out;
}

function randomBytes(r: () => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Byte sequences that are not UTF-8: lone continuation bytes, overlongs, surrogates, truncations. */
const BAD_UTF8 = [[0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe], [0xe2, 0x82], [0xf0, 0x9f, 0x92]];

function invalidUtf8(r: () => number): Buffer {
  const text = pick(r, VALID);
  const at = int(r, 0, text.length);
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(pick(r, BAD_UTF8)), Buffer.from(text.slice(at))]);
}

function mutate(r: () => number, source: string): string {
  let s = source;
  const rounds = int(r, 1, 4);
  for (let i = 0; i < rounds; i++) {
    const at = int(r, 0, s.length);
    switch (int(r, 0, 7)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(Math.min(s.length, at + int(r, 1, 6)));
        break;
      case 1: // insert a structural character
        s = s.slice(0, at) + pick(r, ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '1', '-', 'e', 'n']) + s.slice(at);
        break;
      case 2: // replace a character
        s = s.slice(0, at) + String.fromCharCode(int(r, 0, 0x7f)) + s.slice(at + 1);
        break;
      case 3: // duplicate a span
        s = s.slice(0, at) + s.slice(at, at + int(r, 1, 12)) + s.slice(at);
        break;
      case 4: // splice in a wrong value after a colon
        {
          const colon = s.indexOf(':', at);
          if (colon >= 0) s = s.slice(0, colon + 1) + pick(r, WRONG_VALUES) + s.slice(colon + 1).replace(/^("[^"]*"|[^,}\]]*)/, '');
        }
        break;
      case 5: // a prototype key
        s = s.replace(/^\{/, `{"${pick(r, PROTO_KEYS)}":${pick(r, ['{"polluted":1}', '1', '[]', 'null', '{"v":2}'])},`);
        break;
      case 6: // unicode
        s = s.slice(0, at) + pick(r, UNICODE) + s.slice(at);
        break;
      default: // truncate
        s = s.slice(0, at);
    }
  }
  return s;
}

/** Structured wrong messages: every field with every wrong value, prototype keys, unicode types. */
function structured(r: () => number): string {
  switch (int(r, 0, 5)) {
    case 0:
      return withField(pick(r, FIELDS), pick(r, WRONG_VALUES));
    case 1:
      return `{"v":1,"type":"pause","${pick(r, PROTO_KEYS)}":${pick(r, ['{"polluted":true}', '{"v":1}', '[]', '1', 'null'])}}`;
    case 2:
      return `{"${pick(r, PROTO_KEYS)}":{"v":1,"type":"pause"}}`;
    case 3:
      return `{"v":1,"type":"subscribe","topics":[${pick(r, ['"__proto__"', '"constructor"', '"toString"', '"hasOwnProperty"'])}]}`;
    case 4:
      return `{"v":1,"type":${JSON.stringify(pick(r, ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', ...UNICODE]) + (r() < 0.5 ? '' : pick(r, UNICODE)))}}`;
    default:
      return `{"v":${pick(r, ['1', '1.0', '1e0', '0x1', '01', '"1"', '1e-400', '9e999'])},"type":"pause","id":${pick(r, ['1e21', '-1e21', '4294967296', '"' + 'i'.repeat(int(r, 127, 129)) + '"', '0.1', '[1]'])}}`;
  }
}

/** One generated message; `size` adds padding cases around `limit` bytes. */
export function generate(r: () => number, limit: number): FuzzMessage {
  const roll = r();
  if (roll < 0.12) return { kind: 'random bytes', data: randomBytes(r, int(r, 0, 300)), isBinary: r() < 0.2 };
  if (roll < 0.2) return { kind: 'invalid utf-8', data: invalidUtf8(r), isBinary: false };
  if (roll < 0.5) return { kind: 'structured wrong', data: Buffer.from(structured(r)), isBinary: false };
  if (roll < 0.995) return { kind: 'mutated valid', data: Buffer.from(mutate(r, pick(r, VALID))), isBinary: false };
  if (roll < 0.997) return { kind: 'valid', data: Buffer.from(pick(r, VALID)), isBinary: false };
  return sizeCase(r, limit);
}

/** A message of exactly limit-1, limit or limit+1 bytes (padding in whitespace or an unknown field). */
export function sizeCase(r: () => number, limit: number): FuzzMessage {
  const size = limit + int(r, -1, 1);
  const inField = r() < 0.5;
  const head = inField ? '{"v":1,"type":"pause","pad":"' : '{"v":1,"type":"pause"}';
  const tail = inField ? '"}' : '';
  const pad = size - head.length - tail.length;
  const text = head + (inField ? 'p' : ' ').repeat(pad) + tail;
  return { kind: `size ${size - limit >= 0 ? '+' : ''}${size - limit} of ${limit}`, data: Buffer.from(text), isBinary: false };
}
