// `npm run bench`: the foundation's figures (docs/benchmarks.md, "Foundation").
//   1. capture ms/frame and fps at 1920x1080 (MIT-SHM, in its own Xvfb)
//   2. change detection on an unchanged and on a lightly changed real screen, against two
//      baselines measured in the same run: hashing the whole frame (sha1) and hashing every tile
//   3. latency from a pixel change on the X display to the `frame` event at a WebSocket client
//   4. memory over a long replay at 30 fps with one reading and one stalled client (must stay flat)
// 3 and 4 run a whole Session (src/session.ts, engine none), as `sightline run --engine none` does.
// Flags: --soak-minutes N (default 10), --samples N (default 40), --skip-soak.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import WebSocket from 'ws';
import { ChangeDetector } from '../../src/frames/change.js';
import type { RawFrame } from '../../src/frames/frame.js';
import { X11FrameSource } from '../../src/frames/x11-source.js';
import { median } from '../../src/metrics.js';
import { Session } from '../../src/session.js';
import { startXvfb } from '../../test/helpers/xvfb.js';
import { X11Painter } from '../../test/helpers/x11-painter.js';
import { benchCapture } from './capture.js';
import { machineDescription } from './ort-timing.js';

const SCREEN = new URL('../../../test/fixtures/screens/excel.png', import.meta.url);
const W = 1920;
const H = 1080;

const { values: flags } = parseArgs({
  options: { 'soak-minutes': { type: 'string' }, samples: { type: 'string' }, 'skip-soak': { type: 'boolean' } },
});
const soakMinutes = Number(flags['soak-minutes'] ?? 10);
const samples = Number(flags.samples ?? 40);

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** excel.png (a real Windows screen) scaled to exactly 1920x1080, as a BGRA frame. */
async function realScreen(seq: number): Promise<RawFrame> {
  const { data } = await sharp(SCREEN.pathname).resize(W, H, { fit: 'fill' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const display = { id: '0', x: 0, y: 0, width: W, height: H, scaleFactor: 1, primary: true };
  return { seq, time: Date.now(), monotonicMs: performance.now(), display, region: { x: 0, y: 0, width: W, height: H }, width: W, height: H, pixelFormat: 'bgra', data };
}

/** A copy with one line of "typing" changed: a 240x14 band, as when a word is typed into a cell. */
function typed(base: RawFrame, seq: number, variant: number): RawFrame {
  const data = Buffer.from(base.data);
  for (let y = 300; y < 314; y++) for (let x = 400 + variant * 3; x < 640; x += 5) data.writeUInt32LE(0xff101010, (y * W + x) * 4);
  return { ...base, seq, data };
}

async function benchChangeDetection(): Promise<Record<string, number>> {
  const base = await realScreen(0);
  const detector = new ChangeDetector();
  detector.detect(base);
  const unchanged: number[] = [];
  const light: number[] = [];
  const sha1: number[] = [];
  const allTiles: number[] = [];
  for (let i = 0; i < samples * 5; i++) {
    const copy = { ...base, seq: i + 1, data: Buffer.from(base.data) }; // capture hands a fresh buffer each time
    let t = performance.now();
    if (detector.detect(copy) !== null) throw new Error('an identical frame was reported as changed');
    unchanged.push(performance.now() - t);

    t = performance.now();
    createHash('sha1').update(copy.data).digest();
    sha1.push(performance.now() - t);

    t = performance.now();
    new ChangeDetector().detect(copy); // the first-frame path hashes every tile: the "hash all tiles" baseline
    allTiles.push(performance.now() - t);

    const changed = typed(base, i + 1, (i % 2) + 1);
    t = performance.now();
    const frame = detector.detect(changed);
    light.push(performance.now() - t);
    if (!frame || frame.dirtyRects.length === 0) throw new Error('a typed line was not detected');
    detector.detect(base); // back to the base image so that every timed call sees a change
  }
  return { unchangedMs: median(unchanged), lightMs: median(light), sha1Ms: median(sha1), allTilesMs: median(allTiles) };
}

let paintCount = 0;

/** Pixel drawn on the X display → `frame` event covering it at a subscribed WebSocket client. */
async function benchChangeToClient(display: string, painter: X11Painter, fps: number): Promise<number[]> {
  const session = await new Session({ source: await X11FrameSource.open({ xDisplay: display }), fps, engine: 'none' }).start();
  const { server } = session;
  const ws = new WebSocket(server.url, { headers: { Authorization: `Bearer ${server.token}` } });
  let waiter: ((e: any) => void) | null = null;
  ws.on('message', (data) => waiter?.(JSON.parse(data.toString())));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame'], id: 's' }));
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const x = 100 + (i % 10) * 40;
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame event for the change at x=${x} within 10 s`)), 10_000);
      waiter = (e) => {
        if (e.type === 'frame' && e.dirtyRects.some((r: any) => r.x <= x && r.x + r.width > x && r.y <= 500 && r.y + r.height > 500)) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    const t = performance.now();
    // A colour never used before, so every paint is a real change of those pixels.
    paintCount += 1;
    await painter.fill({ x, y: 500, width: 8, height: 8 }, (paintCount * 0x3b1f07 + 0x404040) & 0xffffff);
    await arrived;
    latencies.push(performance.now() - t);
    // Desynchronise the next change from the capture ticks, so samples cover the whole period.
    await new Promise((r) => setTimeout(r, 7 + ((i * 37) % 50)));
  }
  ws.close();
  await session.close();
  return latencies;
}

/** RSS and heap while replaying at 30 fps with one reading and one stalled client. */
async function benchSoak(minutes: number): Promise<Array<{ t: number; rssMb: number; heapMb: number }>> {
  const dir = await mkdtemp(join(tmpdir(), 'sightline-soak-'));
  const base = await realScreen(0);
  // 30 distinct frames (a moving caret-sized change) so that every frame is a changed frame.
  for (let i = 0; i < 30; i++) {
    const f = typed(base, i, i % 7);
    f.data.writeUInt32LE(0xff0000ff, ((600 + i) * W + 900 + i * 4) * 4);
    await sharp(f.data, { raw: { width: W, height: H, channels: 4 } }).png({ compressionLevel: 1 }).toFile(join(dir, `f${String(i).padStart(3, '0')}.png`));
  }
  // readDeadlineMs 0 and heartbeat off: the stalled client must stay connected, stalled, for the whole soak.
  const session = await new Session({ source: { kind: 'replay', path: dir, loop: true }, fps: 30, engine: 'none', server: { readDeadlineMs: 0, heartbeatMs: 0 } }).start();
  const { server, metrics } = session;
  const reader = new WebSocket(server.url, { headers: { Authorization: `Bearer ${server.token}` } });
  await new Promise((r) => reader.once('open', r));
  reader.send(JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame', 'metrics'], thumbnails: true }));
  const stalled = new WebSocket(server.url, { headers: { Authorization: `Bearer ${server.token}` } });
  await new Promise((r) => stalled.once('open', r));
  stalled.send(JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame', 'metrics'], thumbnails: true }));
  (stalled as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading at the TCP level
  const points: Array<{ t: number; rssMb: number; heapMb: number }> = [];
  const start = performance.now();
  const endAt = start + minutes * 60_000;
  while (performance.now() < endAt) {
    await new Promise((r) => setTimeout(r, 5000));
    const m = process.memoryUsage();
    points.push({ t: (performance.now() - start) / 1000, rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 });
    process.stderr.write(`  soak ${points.at(-1)!.t.toFixed(0)} s: rss ${points.at(-1)!.rssMb.toFixed(0)} MB, heap ${points.at(-1)!.heapMb.toFixed(0)} MB, frames ${metrics.counter('frames.changed')}\n`);
  }
  reader.close();
  stalled.terminate();
  await session.close();
  await rm(dir, { recursive: true, force: true });
  const stats = server.stats();
  process.stderr.write(`  soak: ${metrics.counter('frames.changed')} frames; server sent ${stats.sent}, dropped ${stats.dropped}, coalesced ${stats.coalesced}\n`);
  return points;
}

async function main(): Promise<void> {
  console.log(`# sightline foundation benchmark\nmachine: ${machineDescription()}\ndate: ${new Date().toISOString()}\n`);

  const xvfb = await startXvfb({ width: W, height: H });
  try {
    const painter = await X11Painter.open(xvfb.display, { background: 0x303030 });
    // A desktop-like pattern so that capture moves realistic, non-uniform pixels.
    await painter.paint(Array.from({ length: 200 }, (_, i) => ({ rect: { x: (i * 97) % W, y: (i * 53) % H, width: 120, height: 18 }, rgb: (i * 0x2f5b1d) & 0xffffff })));
    const shm = await benchCapture({ display: xvfb.display, frames: samples * 5, method: 'shm' });
    const getimage = await benchCapture({ display: xvfb.display, frames: samples * 2, method: 'getimage' });
    console.log('## capture, 1920x1080');
    console.log(`MIT-SHM   median ${fmt(shm.medianMs)} ms/frame (${shm.fps.toFixed(0)} fps back to back)`);
    console.log(`GetImage  median ${fmt(getimage.medianMs)} ms/frame (${getimage.fps.toFixed(0)} fps); SHM is ${(getimage.medianMs / shm.medianMs).toFixed(1)}x faster\n`);

    const change = await benchChangeDetection();
    console.log('## change detection, 1920x1080 real screen (excel.png)');
    console.log(`unchanged frame       median ${fmt(change.unchangedMs)} ms   (target < 3 ms)`);
    console.log(`one typed line        median ${fmt(change.lightMs)} ms`);
    console.log(`baseline sha1 of frame  median ${fmt(change.sha1Ms)} ms   → unchanged path is ${(change.sha1Ms / change.unchangedMs).toFixed(1)}x faster`);
    console.log(`baseline hash all tiles median ${fmt(change.allTilesMs)} ms   → unchanged ${(change.allTilesMs / change.unchangedMs).toFixed(1)}x, typed line ${(change.allTilesMs / change.lightMs).toFixed(1)}x faster\n`);

    console.log('## pixel change → frame event at a WebSocket client (in-process runtime + server, X11 SHM)');
    for (const fps of [10, 30]) {
      const lat = (await benchChangeToClient(xvfb.display, painter, fps)).sort((a, b) => a - b);
      console.log(`--fps ${fps}: median ${fmt(median(lat))} ms, p90 ${fmt(lat[Math.floor(lat.length * 0.9)]!)} ms over ${lat.length} changes (capture period ${fmt(1000 / fps)} ms)`);
    }
    await painter.close();
  } finally {
    await xvfb.stop();
  }

  if (!flags['skip-soak']) {
    console.log(`\n## memory, ${soakMinutes} min replay at 30 fps (1920x1080, every frame changed, thumbnails on, one reading + one stalled client)`);
    const points = await benchSoak(soakMinutes);
    const minute = (from: number, to: number) => points.filter((p) => p.t >= from && p.t < to);
    const avg = (ps: typeof points, k: 'rssMb' | 'heapMb') => ps.reduce((s, p) => s + p[k], 0) / Math.max(1, ps.length);
    const first = minute(60, 120);
    const last = minute(soakMinutes * 60 - 60, Infinity);
    console.log(`RSS  second minute mean ${avg(first, 'rssMb').toFixed(0)} MB, last minute mean ${avg(last, 'rssMb').toFixed(0)} MB, max ${Math.max(...points.map((p) => p.rssMb)).toFixed(0)} MB`);
    console.log(`heap second minute mean ${avg(first, 'heapMb').toFixed(0)} MB, last minute mean ${avg(last, 'heapMb').toFixed(0)} MB`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
