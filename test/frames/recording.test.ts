// Recording: what is stored replays exactly; writes never queue past the in-flight bound; and a
// recording cut by SIGKILL mid-run still replays every frame its index names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { DisplayInfo, RawFrame } from '../../src/frames/frame.js';
import { Recorder } from '../../src/frames/recording.js';
import { readEvents, readFrameIndex, readSession } from '../../src/frames/recording-format.js';
import { ReplaySource } from '../../src/frames/replay-source.js';
import { FrameSourceError } from '../../src/frames/source-errors.js';
import { startXvfb } from '../helpers/xvfb.js';
import { hex, pixelAt } from '../helpers/pixels.js';
import { colourForSeq } from './record-child.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sightline-recording-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const display: DisplayInfo = { id: '0', name: 'test', x: 0, y: 0, width: 16, height: 8, scaleFactor: 1, primary: true };

/** A BGRX frame filled with `rgb`, as the X11 source produces them (X byte left at 0). */
function bgraFrame(seq: number, rgb: number): RawFrame {
  const data = Buffer.alloc(16 * 8 * 4);
  for (let i = 0; i < 16 * 8; i++) {
    data[i * 4] = rgb & 0xff;
    data[i * 4 + 1] = (rgb >> 8) & 0xff;
    data[i * 4 + 2] = rgb >> 16;
  }
  return { seq, time: 1_700_000_000_000 + seq, monotonicMs: seq, display, region: { x: 0, y: 0, width: 16, height: 8 }, width: 16, height: 8, pixelFormat: 'bgra', data };
}

test('stored frames and events replay exactly; close records the counts', async () => {
  const path = join(dir, 'roundtrip');
  const recorder = await Recorder.create(path, { source: { kind: 'x11', display: '0' }, fps: 4, displays: [display] });
  const colours = new Map([
    [3, 0xff0000],
    [7, 0x00ff80],
    [12, 0x123456],
  ]);
  for (const [seq, rgb] of colours) {
    assert.equal(recorder.writeFrame(bgraFrame(seq, rgb)), true);
    recorder.writeEvent({ type: 'frame', seq });
    await recorder.idle();
  }
  const stats = await recorder.close();
  assert.deepEqual(stats, { framesStored: 3, framesDropped: 0, framesFailed: 0, eventsStored: 3 });

  const session = await readSession(path);
  assert.equal(session.fps, 4);
  assert.deepEqual(session.source, { kind: 'x11', display: '0' });
  assert.ok(session.endedAt);
  assert.equal(session.framesStored, 3);
  assert.deepEqual(await readEvents(path), [
    { type: 'frame', seq: 3 },
    { type: 'frame', seq: 7 },
    { type: 'frame', seq: 12 },
  ]);
  assert.deepEqual((await readdir(join(path, 'frames'))).sort(), ['0000000003.png', '0000000007.png', '0000000012.png']);

  const replay = await ReplaySource.open({ path });
  assert.equal(replay.fps, 4);
  assert.equal(replay.recorded, true);
  assert.deepEqual(await replay.displays(), [display]);
  for (const [seq, rgb] of colours) {
    const frame = (await replay.capture())!;
    assert.equal(frame.seq, seq);
    assert.deepEqual(frame.display, display);
    assert.equal(frame.pixelFormat, 'rgba');
    assert.equal(hex(pixelAt(frame, 15, 7)), hex(rgb));
  }
  assert.equal(await replay.capture(), null);
});

test('events keep their fields but not pixel buffers or typed arrays', async () => {
  const path = join(dir, 'events');
  const recorder = await Recorder.create(path);
  const frame = { ...bgraFrame(4, 0xffffff), hash: 'ab12', tileHashes: new Uint32Array(6) };
  recorder.writeEvent({ type: 'frame', frame });
  await recorder.close();
  const [event] = (await readEvents(path)) as Array<{ type: string; frame: Record<string, unknown> }>;
  assert.equal(event!.type, 'frame');
  assert.equal(event!.frame.seq, 4);
  assert.equal(event!.frame.hash, 'ab12');
  assert.deepEqual(event!.frame.data, { omitted: 'Buffer', bytes: 16 * 8 * 4 });
  assert.deepEqual(event!.frame.tileHashes, { omitted: 'Uint32Array', bytes: 24 });
});

test('writes past the in-flight bound are dropped and counted, never queued', async () => {
  const recorder = await Recorder.create(join(dir, 'bounded'), { maxInFlight: 1 });
  assert.equal(recorder.writeFrame(bgraFrame(0, 0xffffff)), true);
  assert.equal(recorder.writeFrame(bgraFrame(1, 0xffffff)), false);
  assert.equal(recorder.writeFrame(bgraFrame(2, 0xffffff)), false);
  await recorder.idle();
  assert.equal(recorder.writeFrame(bgraFrame(3, 0xffffff)), true);
  const stats = await recorder.close();
  assert.equal(stats.framesStored, 2);
  assert.equal(stats.framesDropped, 2);
  assert.equal((await readSession(join(dir, 'bounded'))).framesDropped, 2);
});

test('refuses to record into a folder that already holds something', async () => {
  const path = join(dir, 'used');
  await mkdir(path);
  await writeFile(join(path, 'keep.txt'), 'mine');
  await assert.rejects(Recorder.create(path), (err: FrameSourceError) => err.code === 'ERR_RECORDING_EXISTS' && err.message.includes(path));
});

test('the index reader drops a truncated last line but reports damage elsewhere with file and line', async () => {
  const path = join(dir, 'truncated');
  const recorder = await Recorder.create(path);
  recorder.writeFrame(bgraFrame(0, 0x010203));
  await recorder.idle();
  recorder.writeFrame(bgraFrame(1, 0x040506));
  await recorder.close();
  const index = join(path, 'frames.jsonl');
  await appendFile(index, '{"seq":2,"time":17000');
  assert.deepEqual((await readFrameIndex(path)).map((e) => e.seq), [0, 1]);
  const lines = (await readFile(index, 'utf8')).split('\n');
  await writeFile(index, [lines[0], '{"seq": "broken"}', lines[1], ''].join('\n'));
  await assert.rejects(readFrameIndex(path), (err: FrameSourceError) => err.code === 'ERR_RECORDING_DAMAGED' && err.message.includes('frames.jsonl:2'));
});

test('a recording cut by SIGKILL mid-run replays every indexed frame', { timeout: 60_000 }, async () => {
  const xvfb = await startXvfb({ width: 320, height: 240, withWindowManager: false });
  const path = join(dir, 'killed');
  try {
    const childPath = fileURLToPath(new URL('./record-child.js', import.meta.url));
    const child = spawn(process.execPath, [childPath, xvfb.display, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const confirmed: number[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      confirmed.push(Number(line.split(' ')[1]));
      if (confirmed.length >= 8) break;
    }
    assert.equal(confirmed.length, 8, `child stopped early: ${stderr}`);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const session = await readSession(path);
    assert.equal(session.endedAt, undefined, 'a killed run cannot have closed the session');
    const replay = await ReplaySource.open({ path });
    const seqs: number[] = [];
    for (let frame = await replay.capture(); frame; frame = await replay.capture()) {
      seqs.push(frame.seq);
      assert.equal(hex(pixelAt(frame, 160, 120)), hex(colourForSeq(frame.seq)), `frame ${frame.seq}`);
    }
    for (const seq of confirmed) assert.ok(seqs.includes(seq), `confirmed frame ${seq} missing from the replay`);
    // At most the writes in flight (maxInFlight 2 in the child) are lost: PNGs renamed into place
    // whose index line had not been appended yet.
    const pngs = (await readdir(join(path, 'frames'))).filter((name) => name.endsWith('.png'));
    assert.ok(pngs.length - seqs.length <= 2, `${pngs.length} PNGs but ${seqs.length} indexed frames`);
    const events = (await readEvents(path)) as Array<{ seq: number }>;
    assert.ok(events.length >= confirmed.length - 2, `only ${events.length} events`);
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i));
  } finally {
    await xvfb.stop();
  }
});
