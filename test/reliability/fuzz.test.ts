// Protocol fuzz: over 100,000 generated and mutated messages (random bytes, invalid UTF-8, sizes at
// the limits ±1, nesting to 100,000 levels in every field, wrong types, prototype keys, huge numbers,
// unicode). Most go through parseCommand in-process; thousands more through real sockets to an
// in-process SightlineServer, plus a flood that trips the rate limit. Bounds: 0 crashes, every
// message answered by an error/ack event or a clean close, a polite client still served at the end,
// echoes clipped, no prototype pollution, RSS after within +20% of before (after gc).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import { parseCommand } from '../../src/server/parse-command.js';
import { commandSchemas, ERROR_CODES } from '../../src/server/protocol.js';
import { resolveOptions } from '../../src/server/server-options.js';
import { SightlineServer } from '../../src/server/ws-server.js';
import { FIELDS, generate, nested, nestingCases, rng, sizeCase, withField, type FuzzMessage } from './fuzz-messages.js';
import { mib } from './run-process.js';

const TOKEN = 'fuzz-token-0123456789abcdef';
const SEED = 0x5eed11;
const IN_PROCESS_MESSAGES = 100_000;
const SOCKET_CONNECTIONS = 6;
const SOCKET_MESSAGES_EACH = 700;
/** An error's message may quote client input, but never more than this many characters of text. */
const MAX_ERROR_MESSAGE = 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function settledRss(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().rss;
}

const limits = resolveOptions({ token: TOKEN });
let rssBefore = 0;
let heapBefore = 0;
const served = { parsed: 0, socket: 0 };

function checkResult(message: FuzzMessage, index: number): void {
  let result: ReturnType<typeof parseCommand>;
  try {
    result = parseCommand(message.data, message.isBinary, limits);
  } catch (err) {
    assert.fail(`parseCommand threw on message #${index} (${message.kind}, ${message.data.length} bytes): ${(err as Error).message}`);
  }
  if (result.ok) {
    assert.ok(!message.isBinary, `a binary frame was accepted (#${index})`);
    const schema = commandSchemas[result.command.type];
    assert.ok(schema.safeParse(result.command).success, `accepted command does not match its schema (#${index} ${message.kind})`);
    return;
  }
  const { problem } = result;
  assert.ok((ERROR_CODES as readonly string[]).includes(problem.code), `unknown error code ${problem.code}`);
  assert.ok(problem.message.length <= MAX_ERROR_MESSAGE, `error message of ${problem.message.length} chars for #${index} (${message.kind}): echo not clipped`);
  assert.ok(problem.field === undefined || problem.field.length <= MAX_ERROR_MESSAGE, `field path of ${problem.field?.length} chars (#${index})`);
  JSON.stringify(problem); // the server sends it: it must serialise
}

/** Warm-up only: a throw is reported by the tests below, with the message that caused it. */
function parseQuietly(message: FuzzMessage): void {
  try {
    parseCommand(message.data, message.isBinary, limits);
  } catch {
    // reported by the tests
  }
}


test(`parseCommand: ${IN_PROCESS_MESSAGES} generated and mutated messages plus nesting to 100,000 levels in every field, 0 throws`, () => {
  const r = rng(SEED);
  const started = performance.now();
  const kinds = new Map<string, number>();
  let n = 0;
  for (; n < IN_PROCESS_MESSAGES; n++) {
    const message = generate(r, limits.maxPayloadBytes);
    const kind = message.kind.startsWith('size') ? 'size limit ±1' : message.kind;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    checkResult(message, n);
  }
  const deep = nestingCases([1, 64, 1000, 4100, 4200, 10_000, 30_000, 100_000]);
  for (const m of deep) checkResult(m, n++);
  for (let i = 0; i < 300; i++) checkResult(sizeCase(r, limits.maxPayloadBytes), n++);
  const seconds = (performance.now() - started) / 1000;
  served.parsed = n;
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
  console.log(`fuzz in-process: ${n} messages in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} messages/s, 0 throws; ${deep.length} nesting cases (1..100,000 levels × ${FIELDS.length} fields × array/object/mixed); mix ${[...kinds].map(([k, c]) => `${k} ${c}`).join(', ')}`);
});

test('nesting far past the parser\'s bound is refused with an error, not accepted or echoed', () => {
  for (const field of FIELDS) {
    const result = parseCommand(Buffer.from(withField(field, nested(100_000, 'array'))), false, limits);
    assert.equal(result.ok, false, `100,000 levels in "${field}" was accepted`);
    if (!result.ok) assert.ok(result.problem.message.length <= MAX_ERROR_MESSAGE);
  }
});

test('a 60 KB value or key is never echoed whole: error text stays clipped', () => {
  const big = 'x'.repeat(60_000);
  const messages = [
    `{"v":${JSON.stringify(big)},"type":"pause"}`,
    `{"v":[${JSON.stringify(big)}],"type":"pause"}`,
    `{"v":1,"type":${JSON.stringify(big)}}`,
    `{"v":1,"type":"pause",${JSON.stringify(big)}:1}`,
    `{"v":1,"type":"pause","id":${JSON.stringify(big)}}`,
    `{"v":1,"type":"subscribe","topics":[${JSON.stringify(big)}]}`,
  ];
  for (const text of messages) {
    const result = parseCommand(Buffer.from(text), false, limits);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.ok(result.problem.message.length <= MAX_ERROR_MESSAGE, `echoed ${result.problem.message.length} chars for ${text.slice(0, 40)}…`);
      assert.ok((result.problem.field ?? '').length <= MAX_ERROR_MESSAGE, `field path of ${result.problem.field?.length} chars for ${text.slice(0, 40)}…`);
    }
  }
});

interface Answer {
  kind: 'event' | 'close';
  type?: string;
  code?: number;
}

/** One connection that sends a message and waits for the one answer it must get: an event or a close. */
class FuzzConnection {
  private waiter: ((a: Answer) => void) | null = null;
  closeCode: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const event = JSON.parse(String(data)) as { type: string };
      if (event.type === 'hello') return;
      this.answer({ kind: 'event', type: event.type });
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.answer({ kind: 'close', code });
    });
    ws.on('error', () => {});
  }

  static async open(url: string): Promise<FuzzConnection> {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${TOKEN}` }, maxPayload: 64 * 1024 * 1024 });
    const c = new FuzzConnection(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve()); // hello
      ws.once('error', reject);
    });
    return c;
  }

  private answer(a: Answer): void {
    const w = this.waiter;
    this.waiter = null;
    w?.(a);
  }

  send(message: FuzzMessage): Promise<Answer> {
    if (this.closeCode !== null) return Promise.resolve({ kind: 'close', code: this.closeCode });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no error event and no close within 10 s for a ${message.kind} message of ${message.data.length} bytes`)), 10_000);
      this.waiter = (a) => {
        clearTimeout(timer);
        resolve(a);
      };
      this.ws.send(message.data, { binary: message.isBinary });
    });
  }
}

/** Close codes that are clean answers to a bad frame: 1007 invalid UTF-8, 1009 too big, 1002 protocol error. */
const CLEAN_CLOSES = new Set([1002, 1007, 1009]);

let server: SightlineServer;
before(async () => {
  server = await new SightlineServer().start({ token: TOKEN, maxMessagesPerSecond: 5000, messageBurst: 10_000, heartbeatMs: 0 });
  // Warm up every path once before the baseline: the parser (including the deepest messages, which
  // grow the heap once) and one connection through the limit cases, so the baseline already holds
  // the heap and socket buffers that one run of everything needs; a leak grows with the count.
  const r = rng(1);
  // RSS (not the JS heap, which stays flat) settles only after some 40,000 messages: V8's compiled
  // code and malloc arenas are kept once grown.
  for (let i = 0; i < 40_000; i++) parseQuietly(generate(r, limits.maxPayloadBytes));
  for (let round = 0; round < 2; round++) for (const m of nestingCases([1000, 10_000, 100_000])) parseQuietly(m);
  let conn = await FuzzConnection.open(server.url);
  for (const m of [...limitCases().map((c) => c.m), ...Array.from({ length: 1000 }, () => generate(r, limits.maxPayloadBytes))]) {
    const answer = await conn.send(m).catch(() => ({ kind: 'close' as const }));
    if (answer.kind === 'close') conn = await FuzzConnection.open(server.url);
  }
  conn.ws.close();
  rssBefore = settledRss();
  heapBefore = process.memoryUsage().heapUsed;
});
after(() => server.close());

function edge(size: number, field: boolean): FuzzMessage {
  const head = field ? '{"v":1,"type":"pause","pad":"' : '{"v":1,"type":"pause"}';
  const tail = field ? '"}' : '';
  return { kind: `${size} bytes`, data: Buffer.from(head + (field ? 'p' : ' ').repeat(size - head.length - tail.length) + tail), isBinary: false };
}

/** Messages at the payload limit (64 KiB) and the frame limit (1 MiB) ±1, with what each must get. */
function limitCases(): Array<{ m: FuzzMessage; expect: string }> {
  const payload = limits.maxPayloadBytes;
  const frame = limits.maxFrameBytes;
  return [
    { m: edge(payload - 1, false), expect: 'ack' },
    { m: edge(payload, false), expect: 'ack' },
    { m: edge(payload + 1, false), expect: 'payload_too_large' },
    { m: edge(payload - 1, true), expect: 'invalid' },
    { m: edge(payload + 1, true), expect: 'payload_too_large' },
    { m: edge(frame, false), expect: 'payload_too_large' },
    { m: edge(frame + 1, false), expect: 'close' },
  ];
}

test(`real sockets: ${SOCKET_CONNECTIONS} connections × ${SOCKET_MESSAGES_EACH} fuzzed messages plus size limits ±1 and deep nesting; each answered`, { timeout: 120_000 }, async () => {
  const started = performance.now();
  const tally = { event: 0, close: 0, ack: 0 };
  const deepOverSocket = nestingCases([4100, 4200, 10_000, 30_000]).filter((m) => m.data.length <= limits.maxPayloadBytes);
  const payload = limits.maxPayloadBytes;
  await Promise.all(
    Array.from({ length: SOCKET_CONNECTIONS }, async (_, c) => {
      const r = rng(SEED + 1 + c);
      let conn = await FuzzConnection.open(server.url);
      const messages: Array<{ m: FuzzMessage; expect?: string }> = Array.from({ length: SOCKET_MESSAGES_EACH }, () => ({ m: generate(r, payload) }));
      if (c === 0) messages.push(...limitCases());
      if (c === 1) messages.push(...deepOverSocket.map((m) => ({ m })));
      for (const { m, expect } of messages) {
        const answer = await conn.send(m);
        if (answer.kind === 'close') {
          assert.ok(CLEAN_CLOSES.has(answer.code!), `a ${m.kind} message closed the connection with ${answer.code}`);
          tally.close += 1;
          conn = await FuzzConnection.open(server.url);
        } else {
          tally.event += 1;
          if (answer.type === 'ack') tally.ack += 1;
          else assert.equal(answer.type, 'error', `a ${m.kind} message was answered with "${answer.type}"`);
        }
        if (expect === 'ack') assert.equal(answer.type, 'ack', `a ${m.kind} pause (at the limit) was not acknowledged`);
        if (expect === 'close') assert.equal(answer.code, 1009, `a frame of ${m.kind} was not closed with 1009`);
        if (expect === 'payload_too_large' || expect === 'invalid') assert.equal(answer.type, 'error', `a ${m.kind} message got ${answer.type ?? answer.code}`);
      }
      conn.ws.close();
    }),
  );
  const total = tally.event + tally.close;
  served.socket = total;
  const seconds = (performance.now() - started) / 1000;
  // A polite client is still served.
  const polite = await FuzzConnection.open(server.url);
  const ack = await polite.send({ kind: 'polite', data: Buffer.from('{"v":1,"type":"subscribe","topics":["frame"],"id":1}'), isBinary: false });
  assert.equal(ack.type, 'ack');
  polite.ws.close();
  console.log(`fuzz sockets: ${total} messages over ${SOCKET_CONNECTIONS} connections in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} messages/s; ${tally.event} answered by an event (${tally.ack} acks), ${tally.close} by a clean close (1007/1009) and a reconnect; polite client served`);
});

test('rate limit over a real socket: a flood is rate-limited and closed (1008) while a polite client keeps every ack', async () => {
  const limited = await new SightlineServer().start({ token: TOKEN, heartbeatMs: 0 });
  try {
    const flood = await FuzzConnection.open(limited.url);
    const floodErrors: string[] = [];
    flood.ws.on('message', (data) => floodErrors.push((JSON.parse(String(data)) as { code?: string }).code ?? ''));
    const polite = await FuzzConnection.open(limited.url);
    const r = rng(SEED + 99);
    let sent = 0;
    const flooding = (async () => {
      while (flood.closeCode === null && sent < 20_000) {
        flood.ws.send(generate(r, limits.maxPayloadBytes).data.toString('latin1'));
        sent += 1;
        if (sent % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    let acks = 0;
    for (let i = 0; i < 15; i++) {
      const answer = await polite.send({ kind: 'polite pause', data: Buffer.from(`{"v":1,"type":"pause","id":${i}}`), isBinary: false });
      if (answer.type === 'ack') acks += 1;
      await new Promise((resolve) => setTimeout(resolve, 1000 / limits.maxMessagesPerSecond * 2));
    }
    await flooding;
    await new Promise<void>((resolve) => (flood.closeCode !== null ? resolve() : flood.ws.once('close', () => resolve())));
    assert.equal(flood.closeCode, 1008, 'the flood was not closed for abuse');
    assert.ok(floodErrors.includes('ERR_RATE_LIMITED'), 'the flood never got a rate_limited error');
    assert.equal(acks, 15, 'the polite client lost acks');
    console.log(`fuzz rate limit: flood of ${sent} messages rate-limited and closed 1008 (limit ${limits.maxMessagesPerSecond}/s, burst ${limits.messageBurst}); polite client 15/15 acks`);
    polite.ws.close();
  } finally {
    await limited.close();
  }
});

test('RSS after the fuzz within +20% of before (after gc)', () => {
  const rssAfter = settledRss();
  const growth = rssAfter / rssBefore - 1;
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(`fuzz RSS: before ${mib(rssBefore)}, after ${mib(rssAfter)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%) over ${served.parsed + served.socket} messages; JS heap ${mib(heapBefore)} → ${mib(heapAfter)}`);
  assert.ok(served.parsed + served.socket >= 100_000, 'fewer than 100,000 messages ran');
  assert.ok(growth <= 0.2, `RSS grew ${(growth * 100).toFixed(1)}% (bound +20%)`);
});
