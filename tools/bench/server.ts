// Server fan-out benchmark: the cost of publish() and the delivery latency to reading clients, for
// 1, 8 and 32 reading clients, each with and without as many clients that never read (raw TCP
// sockets paused after the handshake). Baseline: 1 reading client, none stalled, same run.
//
//   npm run build && node dist/tools/bench/server.js [--rounds 300] [--thumbnail-kib 24]
import { connect as tcpConnect } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { THUMBNAIL_PREFIX, type PublishEvent } from '../../src/server/protocol.js';
import { SightlineServer } from '../../src/server/ws-server.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '300' }, 'thumbnail-kib': { type: 'string', default: '24' } } });
const rounds = Number(values.rounds);
const thumbnail = THUMBNAIL_PREFIX + 'A'.repeat(Number(values['thumbnail-kib']) * 1024);

function frame(seq: number): PublishEvent {
  return { type: 'frame', seq, time: Date.now(), displayId: '0', width: 1920, height: 1080, dirtyRects: [{ x: 0, y: 0, width: 64, height: 64 }], thumbnail };
}

const subscribe = JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame', 'elements', 'metrics'], thumbnails: true });

async function readingClient(server: SightlineServer): Promise<{ ws: WebSocket; upTo: (seq: number) => Promise<void> }> {
  const ws = new WebSocket(server.url, { headers: { authorization: `Bearer ${server.token}` } });
  let last = -1;
  let waiter: { seq: number; resolve: () => void } | null = null;
  ws.on('message', (data) => {
    const text = String(data);
    if (!text.startsWith('{"v":1,"type":"frame"')) return;
    last = (JSON.parse(text) as { seq: number }).seq;
    if (waiter && last >= waiter.seq) {
      waiter.resolve();
      waiter = null;
    }
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(subscribe);
  await new Promise<void>((resolve) => ws.once('message', () => resolve())); // hello
  const upTo = (seq: number) => (last >= seq ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { seq, resolve })));
  return { ws, upTo };
}

/** Upgrades by hand, subscribes with a zero-key masked frame, then never reads again. */
async function stalledClient(server: SightlineServer): Promise<void> {
  const socket = tcpConnect(server.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const upgraded = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${server.token}\r\n\r\n`,
  );
  await upgraded;
  const payload = Buffer.from(subscribe);
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
  socket.pause();
}

interface Result {
  reading: number;
  stalled: number;
  publishUs: number;
  deliveryMs: number;
  stalledDropped: number;
  stalledMaxBuffered: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function scenario(reading: number, stalled: number): Promise<Result> {
  const server = await new SightlineServer().start({ maxClients: 128, sendBufferBytes: 256 * 1024, readDeadlineMs: 0 }); // stalled clients stay for the whole scenario
  try {
    const readers = await Promise.all(Array.from({ length: reading }, () => readingClient(server)));
    for (let i = 0; i < stalled; i++) await stalledClient(server);
    let seq = 0;
    // Warm-up until the stalled clients' kernel buffers are full and each has had frames coalesced.
    const coalescing = () => server.stats().perClient.filter((c) => c.dropped >= 20).length >= stalled;
    for (let i = 0; !coalescing(); i++) {
      if (i === 2000) throw new Error('stalled clients never filled their buffers');
      server.publish(frame(seq++));
      await Promise.all(readers.map((r) => r.upTo(seq - 1)));
    }
    const publishUs: number[] = [];
    const deliveryMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      server.publish(frame(seq++));
      const published = performance.now();
      await Promise.all(readers.map((r) => r.upTo(seq - 1)));
      publishUs.push((published - start) * 1000);
      deliveryMs.push(performance.now() - start);
    }
    const stuck = server.stats().perClient.filter((c) => c.dropped > 0);
    for (const r of readers) r.ws.close();
    return {
      reading,
      stalled,
      publishUs: median(publishUs),
      deliveryMs: median(deliveryMs),
      stalledDropped: stuck.length === 0 ? 0 : Math.min(...stuck.map((c) => c.dropped)),
      stalledMaxBuffered: stuck.length === 0 ? 0 : Math.max(...stuck.map((c) => c.maxBufferedAmount)),
    };
  } finally {
    await server.close();
  }
}

const cpu = cpus();
console.log(`machine: ${cpu[0]?.model ?? 'unknown cpu'} x${cpu.length}, node ${process.version}`);
console.log(`rounds per scenario: ${rounds}, frame event with a ${values['thumbnail-kib']} KiB thumbnail`);
const results: Result[] = [];
for (const reading of [1, 8, 32]) for (const stalled of [0, reading]) results.push(await scenario(reading, stalled));
const base = results[0]!;
console.log('| reading | stalled | publish() median µs | µs per client | delivery median ms | × baseline delivery | stalled: min dropped, max bufferedAmount |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  const perClient = r.publishUs / (r.reading + r.stalled);
  console.log(
    `| ${r.reading} | ${r.stalled} | ${r.publishUs.toFixed(1)} | ${perClient.toFixed(2)} | ${r.deliveryMs.toFixed(3)} | ${(r.deliveryMs / base.deliveryMs).toFixed(2)} | ${r.stalled ? `${r.stalledDropped}, ${r.stalledMaxBuffered} B` : '—'} |`,
  );
}
