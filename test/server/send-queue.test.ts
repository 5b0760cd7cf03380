// The coalescing queue and the elements merge on their own: bounds, newest-wins, and that a merged
// diff takes a client to exactly the state the individual diffs would have.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UiElement } from '../../src/perception/element.js';
import { ElementsMerge } from '../../src/server/elements-merge.js';
import type { ElementsEvent } from '../../src/server/protocol.js';
import { Outbound, SendQueue, type QueueItem } from '../../src/server/send-queue.js';
import type { DeliveryPolicy } from '../../src/server/topics.js';

type Body = Omit<ElementsEvent, 'v'>;

function el(id: string, text: string, order = 0): UiElement {
  const box = { x: 0, y: order * 10, width: 10, height: 10 };
  return { id, kind: 'text', text, box, confidence: 1, words: [], blockId: 'b', order };
}

function apply(state: Map<string, string>, event: Body): void {
  if (event.full) state.clear();
  for (const id of event.removed) {
    assert.ok(state.has(id), `removal of unknown id ${id}`);
    state.delete(id);
  }
  for (const e of event.added) {
    assert.ok(!state.has(e.id), `add of an id the client already holds: ${e.id}`);
    state.set(e.id, e.text);
  }
  for (const e of event.changed) {
    assert.ok(state.has(e.id), `change of unknown id ${e.id}`);
    state.set(e.id, e.text);
  }
}

/** Deterministic pseudo-random numbers (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random valid diff against `truth`, which it updates. Ids removed earlier may come back. */
function randomDiff(truth: Map<string, string>, seq: number, random: () => number, ids: { n: number; gone: string[] }): Body {
  const added: UiElement[] = [];
  const changed: UiElement[] = [];
  const removed: string[] = [];
  for (const id of [...truth.keys()]) {
    const r = random();
    if (r < 0.2) removed.push(id);
    else if (r < 0.4) changed.push(el(id, `${id}@${seq}`));
  }
  for (const id of removed) truth.delete(id);
  for (const e of changed) truth.set(e.id, e.text);
  const back = ids.gone.length > 0 && random() < 0.3 ? ids.gone.splice(0, 1) : [];
  for (const id of [...back, ...Array.from({ length: Math.floor(random() * 3) }, () => `e${ids.n++}`)]) {
    const e = el(id, `${id}@${seq}`);
    added.push(e);
    truth.set(id, e.text);
  }
  ids.gone.push(...removed);
  return { type: 'elements', seq, full: false, added, changed, removed };
}

describe('ElementsMerge', () => {
  test('a merged diff equals the diffs applied one by one (200 random runs)', () => {
    for (let run = 0; run < 200; run++) {
      const random = rng(run + 1);
      const nextId = { n: 0, gone: [] as string[] };
      const truth = new Map<string, string>();
      const client = new Map<string, string>();
      // The client is in sync for a while, then falls behind for a few diffs, then catches up.
      for (let seq = 0; seq < 5; seq++) apply(client, randomDiff(truth, seq, random, nextId));
      const first = randomDiff(truth, 5, random, nextId);
      const merge = new ElementsMerge(first);
      const behind = 1 + Math.floor(random() * 8);
      for (let seq = 6; seq < 6 + behind; seq++) merge.apply(randomDiff(truth, seq, random, nextId));
      const merged = merge.toEvent();
      assert.equal(merged.seq, 5 + behind);
      apply(client, merged);
      assert.deepEqual([...client].sort(), [...truth].sort(), `run ${run}`);
    }
  });

  test('a full set folds diffs into itself and stays full', () => {
    const merge = new ElementsMerge({ type: 'elements', seq: 1, full: true, added: [el('a', 'A', 0), el('b', 'B', 1)], removed: [], changed: [] });
    merge.apply({ type: 'elements', seq: 2, full: false, added: [el('c', 'C', 2)], removed: ['a'], changed: [el('b', 'B2', 1)] });
    const event = merge.toEvent();
    assert.equal(event.full, true);
    assert.deepEqual(event.added.map((e) => [e.id, e.text]), [['b', 'B2'], ['c', 'C']]);
    assert.deepEqual([event.removed, event.changed], [[], []]);
  });
});

describe('SendQueue', () => {
  const frame = (seq: number, displayId = '0') => new Outbound({ v: 1, type: 'frame', seq, displayId });
  const kinds = (q: SendQueue) => {
    const out: QueueItem[] = [];
    for (let item = q.shift(); item; item = q.shift()) out.push(item);
    return out;
  };

  test('keeps the newest frame per display, in the place of the first, and counts the drops', () => {
    const q = new SendQueue({ maxQueuedEvents: 8, maxMergeSize: 100 });
    q.push(frame(1));
    q.push(new Outbound({ v: 1, type: 'ack', command: 'pause' }));
    q.push(frame(2, '1'));
    for (let seq = 3; seq < 50; seq++) q.push(frame(seq));
    q.push(new Outbound({ v: 1, type: 'metrics', n: 1 }));
    q.push(new Outbound({ v: 1, type: 'metrics', n: 2 }));
    assert.equal(q.length, 4);
    assert.equal(q.dropped, 47 + 1);
    const items = kinds(q).map((i) => (i.kind === 'event' ? i.out.event : i.kind));
    assert.deepEqual(items, [
      { v: 1, type: 'frame', seq: 49, displayId: '0' },
      { v: 1, type: 'ack', command: 'pause' },
      { v: 1, type: 'frame', seq: 2, displayId: '1' },
      { v: 1, type: 'metrics', n: 2 },
    ]);
  });

  test('other events are a FIFO of fixed length that drops its oldest', () => {
    const q = new SendQueue({ maxQueuedEvents: 3, maxMergeSize: 100 });
    for (let i = 0; i < 10; i++) q.push(new Outbound({ v: 1, type: 'ack', command: 'pause', id: i }));
    assert.equal(q.length, 3);
    assert.equal(q.dropped, 7);
    assert.deepEqual(kinds(q).map((i) => (i.kind === 'event' ? i.out.event.id : null)), [7, 8, 9]);
  });

  test('elements diffs merge; past maxPendingElements the client is marked for a full resync', () => {
    const q = new SendQueue({ maxQueuedEvents: 8, maxMergeSize: 10 });
    const diff = (seq: number, ids: string[]) => new Outbound({ v: 1, type: 'elements', seq, full: false, added: ids.map((id) => el(id, id)), removed: [], changed: [] });
    q.push(diff(1, ['a']));
    q.push(diff(2, ['b']));
    assert.equal(q.coalesced, 1);
    const [merged] = kinds(q);
    assert.equal(merged?.kind, 'merged');
    if (merged?.kind === 'merged') assert.deepEqual((merged.merger.toEvent() as Body).added.map((e) => e.id), ['a', 'b']);

    q.push(diff(3, ['c']));
    q.push(diff(4, Array.from({ length: 20 }, (_, i) => `x${i}`)));
    assert.equal(q.resyncs, 1);
    q.push(diff(5, ['d'])); // still a resync: nothing to merge into
    assert.deepEqual(kinds(q).map((i) => i.kind), ['resync']);

    q.push(diff(6, ['e']));
    q.push(diff(7, Array.from({ length: 20 }, (_, i) => `y${i}`)));
    q.push(new Outbound({ v: 1, type: 'elements', seq: 8, full: true, added: [el('z', 'z')], removed: [], changed: [] }));
    const [afterFull] = kinds(q);
    assert.equal(afterFull?.kind, 'merged', 'a full set published while a resync is pending is the resync');
  });

  test('resync items name their topic', () => {
    const q = new SendQueue({ maxQueuedEvents: 8, maxMergeSize: 1 });
    const diff = (seq: number, ids: string[]) => new Outbound({ v: 1, type: 'elements', seq, full: false, added: ids.map((id) => el(id, id)), removed: [], changed: [] });
    q.push(diff(1, ['a']));
    q.push(diff(2, ['b']));
    assert.deepEqual(kinds(q), [{ kind: 'resync', topic: 'elements' }]);
  });

  test('each fifo topic has its own bound: token drops its oldest, action refuses with overflow', () => {
    const q = new SendQueue({ maxQueuedEvents: 2, maxMergeSize: 10 });
    const token = (i: number) => new Outbound({ v: 1, type: 'token', seq: 1, text: `t${i}`, done: false });
    const action = (i: number) => new Outbound({ v: 1, type: 'action', seq: i, action: { type: 'click' } });
    for (let i = 0; i < 4100; i++) assert.equal(q.push(token(i)), 'queued');
    assert.equal(q.length, 4096, 'token declares a bound of its own, larger than maxQueuedEvents');
    assert.equal(q.dropped, 4);
    for (let i = 0; i < 256; i++) assert.equal(q.push(action(i)), 'queued');
    assert.equal(q.push(action(256)), 'overflow');
    assert.equal(q.dropped, 5, 'the refused action is counted');
    q.push(new Outbound({ v: 1, type: 'ack', command: 'pause', id: 1 }));
    q.push(new Outbound({ v: 1, type: 'ack', command: 'pause', id: 2 }));
    q.push(new Outbound({ v: 1, type: 'ack', command: 'pause', id: 3 }));
    const items = kinds(q).map((i) => (i.kind === 'event' ? i.out.event : null));
    assert.equal(items.length, 4096 + 256 + 2);
    assert.equal(items[0]?.text, 't4', 'the oldest tokens went');
    assert.equal(items[4095]?.text, 't4099');
    assert.deepEqual(items.slice(4096 + 256).map((e) => e?.id), [2, 3], 'replies keep maxQueuedEvents');
  });

  test('the queue follows whatever policy it is given, knowing no topic', () => {
    const policies: Record<string, DeliveryPolicy> = {
      gauge: { kind: 'latest', slotKey: (e) => String(e.sensor) },
      log: { kind: 'fifo', max: 2, overflow: 'drop-oldest' },
    };
    const q = new SendQueue({ maxQueuedEvents: 8, maxMergeSize: 10 }, (type) => policies[type] ?? { kind: 'fifo', overflow: 'close', max: 1 });
    q.push(new Outbound({ type: 'gauge', sensor: 'a', value: 1 }));
    q.push(new Outbound({ type: 'log', line: 1 }));
    q.push(new Outbound({ type: 'gauge', sensor: 'b', value: 2 }));
    q.push(new Outbound({ type: 'gauge', sensor: 'a', value: 3 }));
    q.push(new Outbound({ type: 'log', line: 2 }));
    q.push(new Outbound({ type: 'log', line: 3 }));
    assert.equal(q.push(new Outbound({ type: 'other' })), 'queued');
    assert.equal(q.push(new Outbound({ type: 'other' })), 'overflow');
    assert.deepEqual(kinds(q).map((i) => (i.kind === 'event' ? i.out.event : null)), [
      { type: 'gauge', sensor: 'a', value: 3 },
      { type: 'gauge', sensor: 'b', value: 2 },
      { type: 'log', line: 2 },
      { type: 'log', line: 3 },
      { type: 'other' },
    ]);
    assert.equal(q.dropped, 3);
  });
});
