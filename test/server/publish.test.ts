// Outbound events: topics, thumbnails, subscribe snapshots, metrics with per-client counters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UiElement } from '../../src/perception/element.js';
import { SightlineError } from '../../src/errors.js';
import { actionEvent, answerEvent, errorEvent, narrationEvent, tokenEvent } from '../../src/server/events.js';
import { THUMBNAIL_PREFIX, type PublishEvent } from '../../src/server/protocol.js';
import type { SightlineServer } from '../../src/server/ws-server.js';
import { connect, startServer, type TestClient } from './helpers.js';

const thumbnail = `${THUMBNAIL_PREFIX}${Buffer.from('not really a jpeg').toString('base64')}`;

function frame(seq: number, withThumbnail = false): PublishEvent {
  return {
    type: 'frame',
    seq,
    time: 1_700_000_000_000 + seq,
    displayId: '0',
    width: 1280,
    height: 720,
    dirtyRects: [{ x: 0, y: 0, width: 10, height: 10 }],
    ...(withThumbnail && { thumbnail }),
  };
}

function element(id: string, text: string, order: number): UiElement {
  const box = { x: 10, y: 20 * order, width: 100, height: 16 };
  return { id, kind: 'text', text, box, confidence: 0.9, words: [{ text, box, confidence: 0.9 }], blockId: 'b0', order };
}

function metrics(): PublishEvent {
  return { type: 'metrics', time: Date.now(), stages: { ocr: { count: 3, lastMs: 5, p50Ms: 4, p95Ms: 6 } }, counters: { framesDropped: 2 } };
}

async function subscribe(client: TestClient, topics: string[], thumbnails?: boolean): Promise<void> {
  const id = `sub-${topics.join('+')}-${String(thumbnails)}`;
  client.sendJson({ v: 1, type: 'subscribe', id, topics, ...(thumbnails !== undefined && { thumbnails }) });
  assert.equal((await client.next('ack', (a) => a.id === id)).command, 'subscribe');
}

describe('publish', { timeout: 20_000 }, () => {
  let server: SightlineServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('nothing is sent before subscribe; afterwards only the subscribed topics', async () => {
    const elementsOnly = await connect(server);
    const framesAndMetrics = await connect(server);
    const idle = await connect(server);
    await subscribe(elementsOnly, ['elements']);
    await subscribe(framesAndMetrics, ['frame', 'metrics']);
    assert.equal(server.hasSubscribers('elements'), true);

    server.publish(frame(1));
    server.publish({ type: 'elements', seq: 1, full: false, added: [element('e1', 'File', 0)], removed: [], changed: [] });
    server.publish(metrics());
    server.publish(frame(2));
    server.publish({ type: 'elements', seq: 2, full: false, added: [], removed: ['e1'], changed: [] });

    assert.equal((await elementsOnly.next('elements')).seq, 1);
    assert.deepEqual((await elementsOnly.next('elements')).removed, ['e1']);
    assert.equal((await framesAndMetrics.next('frame')).seq, 1);
    const m = await framesAndMetrics.next('metrics');
    assert.equal(m.stages.ocr?.p95Ms, 6);
    assert.equal(m.counters.framesDropped, 2);
    assert.equal(m.client.id, framesAndMetrics.events[0]!.type === 'hello' ? framesAndMetrics.events[0]!.clientId : '');
    assert.ok(m.client.sent >= 2, 'per-client counters are filled in at send time');
    assert.equal(m.server.clients, 3);
    assert.equal((await framesAndMetrics.next('frame')).seq, 2);

    // A final marker through every socket proves nothing else was in flight.
    await subscribe(idle, ['frame']);
    server.publish(frame(3));
    await Promise.all([framesAndMetrics.next('frame', (f) => f.seq === 3), idle.next('frame', (f) => f.seq === 3)]);
    const types = (c: TestClient) => c.events.map((e) => e.type).filter((t) => t !== 'ack' && t !== 'hello');
    assert.deepEqual(types(elementsOnly), ['elements', 'elements']);
    assert.deepEqual(types(framesAndMetrics), ['frame', 'metrics', 'frame', 'frame']);
    assert.deepEqual(types(idle), ['frame']);

    await subscribe(framesAndMetrics, []);
    assert.equal(server.hasSubscribers('metrics'), false);
    await Promise.all([elementsOnly.close(), framesAndMetrics.close(), idle.close()]);
  });

  test('thumbnails only go to clients that asked for them', async () => {
    const plain = await connect(server);
    const wants = await connect(server);
    await subscribe(plain, ['frame']);
    assert.equal(server.wantsThumbnails(), false);
    await subscribe(wants, ['frame'], true);
    assert.equal(server.wantsThumbnails(), true);
    // The runtime publishes each frame plain at once, then with its thumbnail: each client gets one of the two.
    server.publish(frame(10));
    server.publish(frame(10, true));
    server.publish(frame(11));
    const plainFrames = [await plain.next('frame'), await plain.next('frame')];
    assert.deepEqual(plainFrames.map((f) => [f.seq, f.thumbnail]), [[10, undefined], [11, undefined]], 'the plain client gets each frame once, without waiting for a thumbnail');
    const first = await wants.next('frame');
    assert.deepEqual([first.seq, first.thumbnail], [10, thumbnail], 'the thumbnail client gets only the thumbnailed event');
    server.publish(frame(12, true));
    assert.equal((await wants.next('frame')).seq, 12, 'frame 11 had no thumbnail yet, so it never reached the thumbnail client');
    await Promise.all([plain.close(), wants.close()]);
  });

  test('subscribe sends the snapshot for the subscribed topics: full elements set, newest frame', async () => {
    const current = [element('e1', 'File', 0), element('e2', 'Edit', 1)];
    const asked: string[][] = [];
    server.setSubscribeSnapshot((topics) => {
      asked.push([...topics]);
      return [frame(41, true), { type: 'elements', seq: 41, full: true, added: current, removed: [], changed: [] }];
    });
    try {
      const client = await connect(server);
      client.sendJson({ v: 1, type: 'subscribe', topics: ['elements'] });
      await client.next('ack');
      const full = await client.next('elements');
      assert.equal(full.full, true);
      assert.deepEqual(full.added, current);
      assert.deepEqual(asked, [['elements']]);

      await subscribe(client, ['frame', 'elements']);
      const snapshotFrame = await client.next('frame');
      assert.equal(snapshotFrame.seq, 41);
      assert.equal(snapshotFrame.thumbnail, undefined);
      await client.next('elements', (e) => e.full);
      await client.close();
    } finally {
      server.setSubscribeSnapshot(null);
    }
  });

  test('token, action, narration and answer go to their subscribers in order; error goes to everyone', async () => {
    const streams = await connect(server);
    const actions = await connect(server);
    const idle = await connect(server);
    await subscribe(streams, ['token', 'narration', 'answer']);
    await subscribe(actions, ['action']);
    assert.equal(server.hasSubscribers('token'), true);
    assert.equal(server.hasSubscribers('action'), true);

    server.publish(tokenEvent(9, 'Click '));
    server.publish(actionEvent(9, { type: 'click', target: { elementId: 'e1' } }));
    server.publish(tokenEvent(9, 'Save', true));
    server.publish(narrationEvent('A dialog opened', 9));
    server.publish(answerEvent('The file is saved.'));
    server.publish(errorEvent(new SightlineError('ERR_DISPLAY_LOST', 'display :0 went away', { hint: 'restart the X server' }).toData()));

    const error = await idle.next('error');
    assert.deepEqual(error, { v: 1, type: 'error', code: 'ERR_DISPLAY_LOST', message: 'display :0 went away', hint: 'restart the X server' });
    await streams.next('error');
    const action = await actions.next('action');
    assert.deepEqual(action.action, { type: 'click', target: { elementId: 'e1' } });
    await actions.next('error');
    const types = (c: TestClient) => c.events.map((e) => e.type).filter((t) => t !== 'ack' && t !== 'hello');
    assert.deepEqual(types(streams), ['token', 'token', 'narration', 'answer', 'error']);
    assert.deepEqual(streams.events.flatMap((e) => (e.type === 'token' ? [[e.text, e.done]] : [])), [['Click ', false], ['Save', true]]);
    assert.deepEqual(types(actions), ['action', 'error']);
    assert.deepEqual(types(idle), ['error'], 'an unsubscribed client gets errors only');
    await Promise.all([streams.close(), actions.close(), idle.close()]);
  });

  test('a snapshot function that throws is counted and does not hurt the client', async () => {
    server.setSubscribeSnapshot(() => {
      throw new Error('perception not ready');
    });
    try {
      const client = await connect(server);
      await subscribe(client, ['elements']);
      server.publish({ type: 'elements', seq: 5, full: false, added: [], removed: [], changed: [] });
      assert.equal((await client.next('elements')).seq, 5);
      assert.equal(server.stats().lastSnapshotError, 'perception not ready');
      await client.close();
    } finally {
      server.setSubscribeSnapshot(null);
    }
  });
});
