// Client slots cannot be held by peers that do not play along: one that never reads (even if it
// keeps the heartbeat happy) is closed after readDeadlineMs; a TCP connection that never finishes
// its handshake is destroyed after handshakeTimeoutMs, and its file descriptor goes with it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { THUMBNAIL_PREFIX, type PublishEvent } from '../../src/server/protocol.js';
import { RawClient, TOKEN, connect, eventually, startServer } from './helpers.js';

const thumbnail = THUMBNAIL_PREFIX + 'A'.repeat(150_000);

function frame(seq: number): PublishEvent {
  return { type: 'frame', seq, time: seq, displayId: '0', width: 1920, height: 1080, dirtyRects: [], thumbnail };
}

/** Open file descriptors of this process (server and clients alike: both live here). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('read deadline', { timeout: 30_000 }, () => {
  test('a client that sends pongs but never reads is closed after readDeadlineMs; a reading one stays', async () => {
    const readDeadlineMs = 400;
    const server = await startServer({ sendBufferBytes: 64 * 1024, heartbeatMs: 50, readDeadlineMs, closeTimeoutMs: 100 });
    const pongs: NodeJS.Timeout[] = [];
    try {
      const reader = await connect(server);
      reader.sendJson({ v: 1, type: 'subscribe', topics: ['frame'], thumbnails: true });
      await reader.next('ack');
      const raw = await RawClient.open(server);
      const { clientId } = JSON.parse(await raw.nextText((t) => t.includes('"hello"'))) as { clientId: string };
      raw.sendText(JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame'], thumbnails: true }));
      await raw.nextText((t) => t.includes('"ack"'));
      raw.stopReading();
      pongs.push(setInterval(() => raw.sendPong(), 20)); // keeps the heartbeat satisfied without reading a byte

      const stalled = () => server.stats().perClient.find((c) => c.id === clientId);
      let seq = 0;
      while (stalled() && stalled()!.queued === 0) {
        assert.ok(seq < 2000, 'the stalled client never filled its socket');
        server.publish(frame(seq++));
        await reader.next('frame', (f) => f.seq === seq - 1);
      }
      const fullAt = performance.now();
      await eventually(() => server.stats().closedNotReading === 1, 'the non-reading client is closed', 10_000);
      const waited = performance.now() - fullAt;
      assert.ok(waited >= readDeadlineMs * 0.9, `closed after ${waited.toFixed(0)} ms, before the deadline`);
      // It cannot read the closing handshake either: it is dropped closeTimeoutMs later.
      await eventually(() => stalled() === undefined, 'its slot is freed');
      assert.equal(server.stats().closedUnresponsive, 0, 'the heartbeat alone would have kept it: it answered');

      server.publish(frame(seq));
      await reader.next('frame', (f) => f.seq === seq);
      assert.equal(server.stats().clients, 1, 'the reading client stays');
    } finally {
      pongs.forEach(clearInterval);
      await server.close();
    }
  });
});

describe('handshake timeout', { timeout: 30_000 }, () => {
  test('silent, half-sent and refused-but-lingering connections are destroyed; their fds are released', async () => {
    const server = await startServer({ handshakeTimeoutMs: 300 });
    const sockets: Socket[] = [];
    try {
      const upgraded = await connect(server);
      const baseline = openFds();
      const open = async (send: string | null): Promise<void> => {
        // allowHalfOpen: the peer does not hang up when the server does, as an attacker would not.
        const socket = tcpConnect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
        socket.on('error', () => {});
        socket.resume();
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
        if (send !== null) socket.write(send);
      };
      const upgrade = (token: string) =>
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${token}\r\n\r\n`;
      const n = 20;
      for (let i = 0; i < n; i++) {
        await open(null); // connects, sends nothing
        await open(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: web`); // never finishes its headers
        await open(upgrade(`${TOKEN}-wrong`)); // refused 401, then never closes its side
      }
      await eventually(() => server.stats().sockets === 3 * n + 1, `the server sees all ${3 * n + 1} connections`);
      assert.ok(openFds() >= baseline + 2 * 3 * n, 'each connection holds an fd at each end');

      await eventually(() => server.stats().sockets === 1, 'the server destroys every connection that did not upgrade', 5000);
      assert.equal(server.stats().handshakeTimeouts, 3 * n);
      assert.equal(server.stats().handshaking, 0);
      const afterTimeout = openFds();
      assert.ok(afterTimeout <= baseline + 3 * n + 2, `server-side fds released: ${afterTimeout} open, baseline ${baseline} + ${3 * n} client ends`);

      upgraded.sendJson({ v: 1, type: 'pause', id: 'still here' });
      assert.equal((await upgraded.next('ack')).id, 'still here', 'an upgraded connection is not subject to the handshake deadline');
    } finally {
      sockets.forEach((s) => s.destroy());
      await server.close();
    }
  });
});
