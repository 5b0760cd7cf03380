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

test('a client that never reads does not hold back one that does', async () => {
  const stalled = await EventClient.connect(sightline.url, sightline.token);
  stalled.send({ v: 1, type: 'subscribe', topics: ['frame'], thumbnails: true, id: 'stall' });
  await stalled.next((e) => e.type === 'ack' && e.id === 'stall');
  (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading at the TCP level
  const reader = await EventClient.connect(sightline.url, sightline.token);
  reader.send({ v: 1, type: 'subscribe', topics: ['frame'], thumbnails: true, id: 'read' });
  await reader.next((e) => e.type === 'ack' && e.id === 'read');
  // Full-screen changes with thumbnails: far more bytes than a stalled socket's buffers hold.
  for (let i = 0; i < 12; i++) {
    const before = reader.events.length;
    await painter.fillAll((i * 0x1f3d5b + 0x101010) & 0xffffff);
    await reader.next((e) => reader.events.indexOf(e) >= before && e.type === 'frame' && e.width === 640 && e.dirtyRects.some((r: any) => r.width === 640));
  }
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
  const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
  await painter.fill({ x: 0, y: 0, width: 50, height: 50 }, 0x00ff00);
  assert.equal(await sightline.kill('SIGTERM'), 0);
  assert.equal(await closed, 1001);
  const index = (await readFile(join(recordDir, 'frames.jsonl'), 'utf8')).trim().split('\n');
  assert.ok(index.length >= 1, 'at least the first frame was recorded');

  // Replay the recording through the same CLI: it ends by itself when the frames run out.
  const replay = await startSightline(['--engine', 'none', '--source', `replay:${recordDir}`, '--fps', '50'], xvfb.env);
  assert.equal(await replay.exited, 0, replay.stderr());
  assert.match(replay.stderr(), /pipeline finished frames=\d+/);
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
