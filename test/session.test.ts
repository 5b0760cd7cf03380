// The composition root as a program embedding sightline uses it: a Session over a replay folder
// of real screen crops, with the real OCR engine, the real server on a real socket.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DisplayInfo, FrameSource, RawFrame } from '../src/frames/frame.js';
import { ReplaySource } from '../src/frames/replay-source.js';
import { createLogger } from '../src/log.js';
import type { PerceptionEngine } from '../src/perception/engine.js';
import type { RuntimeEvent } from '../src/pipeline/runtime.js';
import { Session, toProtocolEvents, type SessionComponent } from '../src/session.js';
import { PROTOCOL_VERSION, actionEventSchema, tokenEventSchema } from '../src/server/protocol.js';
import { EventClient } from './helpers/sightline-process.js';
import { SCREENS } from './helpers/ocr-pages.js';

let dir: string;
let frames: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sightline-session-'));
  frames = join(dir, 'frames');
  // Excel's title and menu bar (640x90 of excel.png), then the same with "File Home" erased.
  const crop = sharp(join(SCREENS, 'excel.png')).extract({ left: 0, top: 0, width: 640, height: 90 });
  const first = await crop.png().toBuffer();
  await mkdir(frames);
  await sharp(first).toFile(join(frames, '000.png'));
  const eraser = await sharp({ create: { width: 140, height: 40, channels: 3, background: '#ffffff' } }).png().toBuffer();
  await sharp(first).composite([{ input: eraser, left: 0, top: 45 }]).toFile(join(frames, '001.png'));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A replay source that counts captures and remembers being closed (what the session was handed). */
class WatchedSource implements FrameSource {
  readonly kind = 'replay';
  captures = 0;
  closed = false;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly inner: ReplaySource) {}

  static async open(loop = true): Promise<WatchedSource> {
    return new WatchedSource(await ReplaySource.open({ path: frames, loop }));
  }

  displays(): Promise<DisplayInfo[]> {
    return this.inner.displays();
  }

  async capture(): Promise<RawFrame | null> {
    const frame = await this.inner.capture();
    this.captures++;
    this.waiters = this.waiters.filter((w) => (this.captures >= w.count ? (w.resolve(), false) : true));
    return frame;
  }

  capturedAtLeast(count: number): Promise<void> {
    if (this.captures >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inner.close();
  }
}

test('a subscriber gets its snapshot from the session: the newest frame and the full element set', async () => {
  const session = new Session({ source: { kind: 'replay', path: frames }, fps: 10, engine: 'ocr' });
  const events: RuntimeEvent[] = [];
  session.events.subscribe((e) => events.push(e));
  try {
    await session.start();
    await session.finished; // two frames, no loop: the pipeline ends, the server stays up
    const latest = session.latest();
    assert.equal(latest.frame?.seq, 1);
    assert.equal(latest.frameEvent?.seq, 1);
    const texts = latest.elements.map((e) => e.text).join(' | ');
    assert.match(texts, /AutoSave/, texts);
    assert.doesNotMatch(texts, /\bHome\b/, 'the second frame erased "File Home"');
    // The set the session publishes agrees with the engine's own, and with the diffs it emitted.
    assert.deepEqual(latest.elements.map((e) => [e.id, e.text]), session.engine!.elements().map((e) => [e.id, e.text]));
    const diffs = events.flatMap((e) => (e.type === 'elements' ? [e.diff] : []));
    assert.ok(diffs.length >= 1);
    assert.equal(latest.elementsSeq, diffs.at(-1)!.seq);

    const client = await EventClient.connect(session.server.url, session.server.token);
    client.send({ v: 1, type: 'subscribe', topics: ['frame', 'elements'], id: 's' });
    await client.next((e) => e.type === 'ack' && e.id === 's');
    const frame = await client.next((e) => e.type === 'frame');
    assert.equal(frame.seq, 1);
    assert.equal(frame.width, 640);
    const full = await client.next((e) => e.type === 'elements');
    assert.equal(full.full, true);
    assert.equal(full.seq, latest.elementsSeq);
    assert.deepEqual(full.added.map((e: { id: string }) => e.id), latest.elements.map((e) => e.id));
    client.close();
  } finally {
    await session.close();
  }
});

test('pause, resume and stop from a client drive the session', async () => {
  const source = await WatchedSource.open();
  const session = await new Session({ source, fps: 50, engine: 'none' }).start();
  try {
    await source.capturedAtLeast(3);
    const client = await EventClient.connect(session.server.url, session.server.token);
    client.send({ v: 1, type: 'pause', id: 'p' });
    await client.next((e) => e.type === 'ack' && e.id === 'p');
    assert.equal(session.paused, true);
    const atPause = source.captures;
    // Absence of captures can only be shown over time: ten capture periods.
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(source.captures <= atPause + 1, `captured ${source.captures - atPause} frames while paused`);
    client.send({ v: 1, type: 'resume', id: 'r' });
    await client.next((e) => e.type === 'ack' && e.id === 'r');
    assert.equal(session.paused, false);
    await source.capturedAtLeast(source.captures + 3);
    client.send({ v: 1, type: 'stop', id: 'x' });
    await session.finished; // the looping replay never ends by itself: only the stop command ends it
    client.close();
  } finally {
    await session.close();
  }
  assert.equal(source.closed, true, 'the session closes the source it was handed');
});

test('commands reach the component that handles them; one nobody handles gets ERR_UNAVAILABLE, and hello lists only what is answered', async () => {
  const source = await WatchedSource.open();
  const heard: string[] = [];
  const asker: SessionComponent = {
    name: 'asker',
    handles: ['ask', 'cancel'],
    start(session) {
      session.commands.subscribe(({ clientId, command }) => {
        heard.push(command.type);
        if (command.type === 'ask') session.reply(clientId, { type: 'answer', text: `you asked: ${command.question}`, requestId: String(command.id) });
      });
    },
    stop() {},
  };
  const session = await new Session({ source, fps: 20, engine: 'none', components: [asker] }).start();
  try {
    const client = await EventClient.connect(session.server.url, session.server.token);
    const hello = await client.next((e) => e.type === 'hello');
    assert.deepEqual(hello.capabilities.commands, ['subscribe', 'pause', 'resume', 'stop', 'ask', 'cancel']);
    client.send({ v: 1, type: 'ask', id: 'q1', question: 'what is open?' });
    const answer = await client.next((e) => e.type === 'answer');
    assert.deepEqual([answer.text, answer.requestId], ['you asked: what is open?', 'q1']);
    client.send({ v: 1, type: 'act', id: 'a1', text: 'click(element=3)' });
    const error = await client.next((e) => e.type === 'error');
    assert.equal(error.code, 'ERR_UNAVAILABLE');
    assert.match(error.hint, /--executor/);
    assert.deepEqual(heard, ['ask'], 'the unhandled act never reached a component');
    client.close();
  } finally {
    await session.close();
  }
});

test('close runs in reverse start order, logs a failing close and still closes the rest', async () => {
  const source = await WatchedSource.open();
  const lines: string[] = [];
  const log = createLogger('debug', 'text', (line) => lines.push(line));
  const order: string[] = [];
  const engine: PerceptionEngine = {
    name: 'failing-close',
    update: async (frame) => ({ seq: frame.seq, engine: 'failing-close' }),
    elements: () => [],
    close: async () => {
      order.push('engine');
      throw new Error('engine close exploded');
    },
  };
  const component: SessionComponent = {
    name: 'probe',
    start: (s) => void order.push(`start ${s.server.port > 0}`),
    stop: () => void order.push('probe'),
  };
  const record = join(dir, 'close-order');
  const session = await new Session({ source, fps: 20, engine, record, log, components: [component] }).start();
  await source.capturedAtLeast(2);
  await session.close();
  const closing = lines.flatMap((l) => /closing (.+?)(?: failed|$)/.exec(l.replace(/^sightline: (debug|warn): /, ''))?.slice(1, 2) ?? []);
  assert.deepEqual([...new Set(closing)], ['component probe', 'runtime', 'recording', 'server', 'engine', 'source']);
  assert.ok(lines.some((l) => /warn: closing engine failed: engine close exploded/.test(l)), lines.join('\n'));
  assert.deepEqual(order, ['start true', 'probe', 'engine']);
  assert.equal(source.closed, true, 'the source was closed after the engine failed to');
  assert.ok(existsSync(join(record, 'frames.jsonl')));
});

test('a port in use fails the start and leaves no recording folder behind', async () => {
  const first = await new Session({ source: await WatchedSource.open(), fps: 5, engine: 'none' }).start();
  const source = await WatchedSource.open();
  const record = join(dir, 'never-created');
  try {
    const second = new Session({ source, fps: 5, engine: 'none', server: { port: first.server.port }, record });
    await assert.rejects(second.start(), /in use|EADDRINUSE/);
    assert.equal(existsSync(record), false, 'no recording folder');
    assert.equal(source.closed, true, 'what was opened before the failure is closed');
    await second.finished; // a session that failed to start counts as finished
  } finally {
    await first.close();
  }
});

test('streamed text and proposed actions become token and action events that match the protocol', () => {
  const token = toProtocolEvents({ type: 'text', seq: 7, chunk: { text: 'Sub', done: false } });
  const action = toProtocolEvents({ type: 'action', seq: 7, action: { type: 'click', element: 'e3' } });
  assert.deepEqual(token, [{ type: 'token', seq: 7, text: 'Sub', done: false }]);
  assert.deepEqual(action, [{ type: 'action', seq: 7, action: { type: 'click', element: 'e3' } }]);
  tokenEventSchema.parse({ v: PROTOCOL_VERSION, ...token[0] });
  actionEventSchema.parse({ v: PROTOCOL_VERSION, ...action[0] });
});
