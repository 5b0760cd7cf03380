// A client that stops reading at the TCP level, next to one that keeps up: the slow one is
// coalesced into bounded memory, the fast one gets every event, and nothing waits on the slow one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UiElement } from '../../src/perception/element.js';
import { THUMBNAIL_PREFIX, type ElementsEvent, type PublishEvent } from '../../src/server/protocol.js';
import type { SightlineServer } from '../../src/server/ws-server.js';
import { RawClient, connect, eventually, startServer } from './helpers.js';

const SEND_BUFFER = 64 * 1024;
const thumbnail = THUMBNAIL_PREFIX + 'A'.repeat(150_000);

function frame(seq: number): PublishEvent {
  return { type: 'frame', seq, time: seq, displayId: '0', width: 1920, height: 1080, dirtyRects: [], thumbnail };
}

function element(round: number): UiElement {
  const box = { x: 0, y: round, width: 50, height: 10 };
  return { id: `e${round}`, kind: 'text', text: `line ${round}`, box, confidence: 1, words: [], blockId: 'b', order: round };
}

/** Each round adds one element, changes the previous one and removes the one before it. */
function elementsDiff(round: number): PublishEvent {
  return {
    type: 'elements',
    seq: round,
    full: false,
    added: [element(round)],
    changed: round >= 1 ? [{ ...element(round - 1), text: `line ${round - 1} (edited)` }] : [],
    removed: round >= 2 ? [`e${round - 2}`] : [],
  };
}

function applyElements(state: Map<string, string>, event: Omit<ElementsEvent, 'v'>): void {
  if (event.full) state.clear();
  for (const id of event.removed) state.delete(id);
  for (const e of [...event.added, ...event.changed]) state.set(e.id, e.text);
}

async function stalledClient(server: SightlineServer, topics = ['frame', 'elements', 'metrics']): Promise<{ raw: RawClient; id: string }> {
  const raw = await RawClient.open(server);
  const hello = JSON.parse(await raw.nextText((t) => t.includes('"hello"'))) as { clientId: string };
  raw.sendText(JSON.stringify({ v: 1, type: 'subscribe', id: 'r', topics, thumbnails: true }));
  await raw.nextText((t) => t.includes('"ack"'));
  raw.stopReading();
  return { raw, id: hello.clientId };
}

describe('per-client backpressure', { timeout: 60_000 }, () => {
  test('a stalled client is coalesced in bounded memory while another receives every event', async () => {
    const server = await startServer({ sendBufferBytes: SEND_BUFFER, closeTimeoutMs: 200 });
    try {
      const healthy = await connect(server);
      healthy.sendJson({ v: 1, type: 'subscribe', topics: ['frame', 'elements', 'metrics'], thumbnails: true });
      await healthy.next('ack');
      const { raw, id } = await stalledClient(server);
      const stalled = () => server.stats().perClient.find((c) => c.id === id)!;
      const maxMessage = Buffer.byteLength(JSON.stringify({ v: 1, ...frame(1_000_000) }));

      let seq = 0;
      let round = 0;
      const publishRound = async () => {
        for (let i = 0; i < 8; i++) server.publish(frame(seq++));
        server.publish(elementsDiff(round++));
        server.publish({ type: 'metrics', time: seq, stages: {}, counters: { round } });
        const last = seq - 1;
        await healthy.next('frame', (f) => f.seq === last);
      };

      // Until the kernel buffers are full and the server has had to coalesce for the stalled client.
      while (stalled().dropped === 0 || stalled().coalesced === 0) {
        assert.ok(round < 300, `no backpressure after ${round} rounds: ${JSON.stringify(stalled())}`);
        await publishRound();
      }
      const atStall = stalled();
      for (let i = 0; i < 30; i++) await publishRound(); // 240 more frames at the stalled client
      const later = stalled();

      const bound = SEND_BUFFER + maxMessage;
      for (const s of [atStall, later]) {
        assert.ok(s.bufferedAmount <= bound, `bufferedAmount ${s.bufferedAmount} > ${bound}`);
        assert.ok(s.maxBufferedAmount <= bound, `maxBufferedAmount ${s.maxBufferedAmount} > ${bound}`);
        assert.ok(s.queued <= 3, `queue holds one frame, one merged diff, one metrics at most (got ${s.queued})`);
      }
      assert.ok(later.dropped >= atStall.dropped + 30 * 8 - 8, `frames replaced while stalled are counted: ${later.dropped}`);
      assert.ok(later.coalesced >= atStall.coalesced + 29);
      assert.equal(later.sent, atStall.sent, 'nothing more was written to the stalled socket');

      const healthyStats = server.stats().perClient.find((c) => c.id !== id)!;
      assert.equal(healthyStats.dropped, 0);
      assert.deepEqual(
        healthy.events.flatMap((e) => (e.type === 'frame' ? [e.seq] : [])),
        Array.from({ length: seq }, (_, i) => i),
        'the reading client received every frame, in order',
      );
      // publish() time itself is a benchmark figure (tools/bench/server.ts), not a wall-clock assertion here.

      // Recovery: once the client reads again it gets the newest frame and a merged elements diff
      // that brings it to exactly the state of the client that saw every diff.
      raw.resumeReading();
      const lastSeq = seq - 1;
      await raw.nextText((t) => t.startsWith('{"v":1,"type":"frame"') && JSON.parse(t).seq === lastSeq);
      await raw.nextText((t) => t.startsWith('{"v":1,"type":"elements"') && JSON.parse(t).seq === round - 1);
      const rawState = new Map<string, string>();
      const healthyState = new Map<string, string>();
      for (const t of raw.texts) if (t.startsWith('{"v":1,"type":"elements"')) applyElements(rawState, JSON.parse(t));
      for (const e of healthy.events) if (e.type === 'elements') applyElements(healthyState, e);
      assert.deepEqual([...rawState].sort(), [...healthyState].sort());
      assert.equal(healthyState.size, 2);

      await server.close();
      assert.equal(server.stats().perClient.length, 0);
    } finally {
      await server.close();
    }
  });

  test('a merged diff that outgrows maxPendingElements becomes a full resync from the snapshot', async () => {
    const server = await startServer({ sendBufferBytes: SEND_BUFFER, maxPendingElements: 8 });
    const truth = new Map<number, UiElement>();
    let round = 0;
    server.setSubscribeSnapshot((topics) =>
      topics.includes('elements') ? [{ type: 'elements', seq: round, full: true, added: [...truth.values()], removed: [], changed: [] }] : [],
    );
    try {
      const { raw, id } = await stalledClient(server);
      const stalled = () => server.stats().perClient.find((c) => c.id === id)!;
      for (let seq = 0; stalled().queued === 0; seq++) {
        assert.ok(seq < 5000, 'the stalled client never filled its buffer');
        server.publish(frame(seq));
        if (seq % 50 === 0) await new Promise(setImmediate); // let the socket report itself full
      }
      for (; stalled().resyncs === 0; round++) {
        assert.ok(round < 100, 'the pending diff never overflowed');
        truth.set(round, element(round));
        server.publish({ type: 'elements', seq: round, full: false, added: [element(round)], removed: [], changed: [] });
      }
      round -= 1;
      raw.resumeReading();
      const full = JSON.parse(await raw.nextText((t) => t.startsWith('{"v":1,"type":"elements"') && t.includes('"full":true') && JSON.parse(t).seq === round)) as ElementsEvent;
      assert.deepEqual(full.added.map((e) => e.id), [...truth.values()].map((e) => e.id));
    } finally {
      await server.close();
    }
  });

  test('fifo topics: tokens keep their newest 4096 in order, an action overflow closes the slow client', async () => {
    const server = await startServer({ sendBufferBytes: SEND_BUFFER, closeTimeoutMs: 100, readDeadlineMs: 0 });
    try {
      const reader = await connect(server);
      reader.sendJson({ v: 1, type: 'subscribe', topics: ['frame', 'token', 'action'], thumbnails: true }); // these frames carry thumbnails: for thumbnail clients only
      await reader.next('ack');
      const tokens = await stalledClient(server, ['frame', 'token']);
      const actions = await stalledClient(server, ['frame', 'action']);
      const stats = (id: string) => server.stats().perClient.find((c) => c.id === id);
      let seq = 0;
      while (stats(tokens.id)!.queued === 0 || stats(actions.id)!.queued === 0) {
        assert.ok(seq < 3000, 'the stalled clients never filled their sockets');
        server.publish(frame(seq++));
        await reader.next('frame', (f) => f.seq === seq - 1);
      }
      const frames = { tokens: stats(tokens.id)!.dropped, actions: stats(actions.id)!.dropped };

      for (let i = 0; i < 5000; i++) server.publish({ type: 'token', seq, text: `t${i} `, done: i === 4999 });
      assert.equal(stats(tokens.id)!.dropped - frames.tokens, 5000 - 4096, 'tokens past the bound are counted as dropped');
      assert.ok(stats(tokens.id)!.queued <= 4096 + 1);

      for (let i = 0; i < 256; i++) server.publish({ type: 'action', seq, action: { type: 'click', n: i } });
      assert.equal(server.stats().closedOverflow, 0, 'up to the bound, actions wait');
      server.publish({ type: 'action', seq, action: { type: 'click', n: 256 } });
      assert.equal(server.stats().closedOverflow, 1, 'one action more closes the connection rather than lose one');
      await eventually(() => stats(actions.id) === undefined, 'the overflowed client is dropped');

      await reader.next('action', (a) => a.action.n === 256);
      assert.equal(reader.events.filter((e) => e.type === 'token').length, 5000, 'the reading client got every token');
      assert.equal(reader.events.filter((e) => e.type === 'action').length, 257, 'and every action');

      tokens.raw.resumeReading();
      await tokens.raw.nextText((t) => t.includes('"done":true'));
      const received = tokens.raw.texts.filter((t) => t.startsWith('{"v":1,"type":"token"')).map((t) => (JSON.parse(t) as { text: string }).text);
      const expected = Array.from({ length: 4096 }, (_, i) => `t${5000 - 4096 + i} `);
      assert.deepEqual(received, expected, 'the newest 4096 tokens, in order');
    } finally {
      await server.close();
    }
  });

  test('close() completes with a client that never reads its closing handshake', async () => {
    const server = await startServer({ sendBufferBytes: SEND_BUFFER, closeTimeoutMs: 100 });
    const { raw } = await stalledClient(server);
    const reader = await connect(server);
    reader.sendJson({ v: 1, type: 'subscribe', topics: ['frame'], thumbnails: true }); // these frames carry thumbnails: for thumbnail clients only
    await reader.next('ack');
    let seq = 0;
    while (server.stats().dropped === 0) {
      assert.ok(seq < 3000, 'the stalled client never filled its buffer');
      for (let i = 0; i < 8; i++) server.publish(frame(seq++));
      await reader.next('frame', (f) => f.seq === seq - 1);
    }
    await server.close(); // resolves only once every channel's socket has closed
    assert.equal(server.stats().perClient.length, 0);
    assert.equal((await reader.closed).code, 1001);
    // The stalled side never reads the server's FIN while paused; reading again drains it.
    const ended = new Promise<void>((resolve) => raw.socket.once('close', () => resolve()));
    raw.resumeReading();
    await ended;
  });
});
