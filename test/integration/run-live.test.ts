// The foundation end to end, as a user runs it: the real CLI captures a real X display (Xvfb +
// openbox), a real X client draws on it, and real WebSocket clients watch the events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { startXvfb, type XvfbHandle } from '../helpers/xvfb.js';
import { X11Painter } from '../helpers/x11-painter.js';
import { CLI, EventClient, startSightline, type SightlineProcess } from '../helpers/sightline-process.js';

let xvfb: XvfbHandle;
let painter: X11Painter;
let sightline: SightlineProcess;
let recordDir: string;

before(async () => {
  xvfb = await startXvfb({ width: 640, height: 480 });
  painter = await X11Painter.open(xvfb.display, { background: 0x202020 });
  recordDir = join(await mkdtemp(join(tmpdir(), 'sightline-e2e-')), 'rec');
  sightline = await startSightline(['--engine', 'none', '--fps', '20', '--record', recordDir], xvfb.env);
});

after(async () => {
  await sightline?.kill('SIGKILL');
  await painter?.close();
  await xvfb?.stop();
  if (recordDir) await rm(join(recordDir, '..'), { recursive: true, force: true });
});

test('a pixel change on the display reaches a client as a frame event with its dirty rectangle', async () => {
  const client = await EventClient.connect(sightline.url, sightline.token);
  const hello = await client.next((e) => e.type === 'hello');
  assert.equal(hello.displays[0].width, 640);
  client.send({ v: 1, type: 'subscribe', topics: ['frame', 'metrics'], id: 'sub1' });
  await client.next((e) => e.type === 'ack' && e.id === 'sub1');
  const before = client.events.length;
  const drawnAt = Date.now();
  await painter.fill({ x: 300, y: 200, width: 10, height: 10 }, 0xff0000);
  const frame = await client.next((e, i = client.events.indexOf(e)) => i >= before && e.type === 'frame' && e.dirtyRects.some((r: any) => r.x <= 300 && r.y <= 200 && r.x + r.width >= 310 && r.y + r.height >= 210));
  assert.ok(frame.time >= drawnAt - 1000);
  const metrics = await client.next((e) => e.type === 'metrics');
  assert.ok(metrics.counters['frames.unchanged'] > 0, 'an idle screen is captured and found unchanged');
  client.close();
});

test('a client that never reads is coalesced by the server while one that reads gets every frame', async () => {
  const stalled = await EventClient.connect(sightline.url, sightline.token);
  stalled.send({ v: 1, type: 'subscribe', topics: ['frame'], thumbnails: true, id: 'stall' });
  await stalled.next((e) => e.type === 'ack' && e.id === 'stall');
  (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading at the TCP level
  const reader = await EventClient.connect(sightline.url, sightline.token);
  reader.send({ v: 1, type: 'subscribe', topics: ['frame', 'metrics'], thumbnails: true, id: 'read' });
  await reader.next((e) => e.type === 'ack' && e.id === 'read');
  const start = reader.events.length;
  const baseline = await reader.next((e, i = reader.events.indexOf(e)) => i >= start && e.type === 'metrics');
  assert.equal(baseline.server.clients, 2);
  const slowed = (m: Record<string, any>) => m.server.coalesced + m.server.dropped > baseline.server.coalesced + baseline.server.dropped || m.server.clients < 2;
  // Full-screen noise: every frame changes everywhere and its thumbnail is tens of KB, so the
  // stalled socket's kernel buffers and the server's send buffer (1 MiB) fill within a few hundred.
  let seed = 1;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  let paints = 0;
  let thumbnailChars = 0;
  let verdict: Record<string, any> | undefined;
  while (paints < 600) {
    const before = reader.events.length;
    const ops = [];
    for (let y = 0; y < 480; y += 8) for (let x = 0; x < 640; x += 8) ops.push({ rect: { x, y, width: 8, height: 8 }, rgb: random() & 0xffffff });
    await painter.paint(ops);
    paints++;
    // Capture may land mid-paint: wait for the frame that holds the last block painted.
    const frame = await reader.next((e, i = reader.events.indexOf(e)) => i >= before && e.type === 'frame' && e.dirtyRects.some((r: any) => r.x <= 632 && r.y <= 472 && r.x + r.width >= 640 && r.y + r.height >= 480));
    thumbnailChars = Math.max(thumbnailChars, frame.thumbnail?.length ?? 0);
    verdict = reader.events.slice(start).reverse().find((e) => e.type === 'metrics' && slowed(e));
    if (verdict) break;
  }
  assert.ok(thumbnailChars > 20_000, `thumbnails of ${thumbnailChars} characters are too small to fill any buffer`);
  assert.ok(verdict, `after ${paints} full-screen frames the server neither coalesced nor dropped anything for the stalled client, nor closed it`);
  // The reader was never the one held back: it got a frame event for every paint, and nothing of its own was dropped.
  const own = reader.events.slice(start).reverse().find((e) => e.type === 'metrics')!;
  assert.equal(own.client.dropped, 0);
  stalled.ws.terminate();
  reader.close();
});

test('a client without the token is refused; one that sends garbage gets errors and stays connected', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(sightline.url);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('connected without a token')));
    ws.on('error', () => undefined);
  });
  assert.equal(status, 401);

  const client = await EventClient.connect(sightline.url, sightline.token);
  client.send('this is not json');
  client.send({ v: 1, type: 'subscribe', topics: ['no-such-topic'] });
  client.send({ v: 1, type: 'launch-missiles' });
  const errors = await Promise.all([0, 1, 2].map((n) => client.next((e) => e.type === 'error' && client.events.filter((x) => x.type === 'error').indexOf(e) === n)));
  assert.equal(errors.length, 3);
  client.send({ v: 1, type: 'subscribe', topics: ['frame'], id: 'after-garbage' });
  await client.next((e) => e.type === 'ack' && e.id === 'after-garbage');
  client.close();
});

test('SIGTERM shuts down cleanly: exit 0, clients closed, the recording replays', async () => {
  const client = await EventClient.connect(sightline.url, sightline.token);
  client.send({ v: 1, type: 'subscribe', topics: ['frame'], id: 'last' });
  await client.next((e) => e.type === 'ack' && e.id === 'last');
  const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
  const before = client.events.length;
  await painter.fill({ x: 0, y: 0, width: 50, height: 50 }, 0x00ff00);
  const last = await client.next((e, i = client.events.indexOf(e)) => i >= before && e.type === 'frame' && e.dirtyRects.some((r: any) => r.x === 0 && r.y === 0));
  assert.equal(await sightline.kill('SIGTERM'), 0);
  assert.equal(await closed, 1001);
  const index = (await readFile(join(recordDir, 'frames.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { seq: number });
  assert.ok(index.some((entry) => entry.seq === last.seq), `the last frame a client saw (seq ${last.seq}) was recorded before the exit`);

  // Replay the recording through the same CLI: it ends by itself when the frames run out, having
  // captured every recorded frame once.
  const replay = await startSightline(['--engine', 'none', '--source', `replay:${recordDir}`, '--fps', '50'], xvfb.env);
  assert.equal(await replay.exited, 0, replay.stderr());
  assert.equal(Number(/pipeline finished frames=(\d+)/.exec(replay.stderr())?.[1]), index.length, replay.stderr());
});

test('without a display the CLI says what to do in one sentence and exits non-zero', async () => {
  const env = { ...process.env };
  delete env.DISPLAY;
  const child = spawn(process.execPath, [CLI, 'run'], { env });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /set DISPLAY/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});
