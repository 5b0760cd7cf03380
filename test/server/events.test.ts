// The pipeline → protocol builders produce events the protocol schema accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '../../src/frames/frame.js';
import { Metrics } from '../../src/metrics.js';
import { elementsDiffEvent, elementsFullEvent, frameEvent, metricsEvent } from '../../src/server/events.js';
import { PROTOCOL_VERSION, serverEventSchema, THUMBNAIL_PREFIX } from '../../src/server/protocol.js';

const display = { id: '1', x: -1920, y: 0, width: 1920, height: 1080, scaleFactor: 1, primary: false };
const region = { x: 0, y: 0, width: 64, height: 32 };
const frame: Frame = {
  seq: 7, time: 1_700_000_000_123, monotonicMs: 12.5, display, region, width: 64, height: 32, pixelFormat: 'bgra',
  data: Buffer.alloc(64 * 32 * 4), hash: 'abc', tileSize: 32, tileColumns: 2, tileRows: 1,
  tileHashes: new Uint32Array(2), dirtyRects: [{ x: 0, y: 0, width: 32, height: 32 }], previousSeq: 6,
};
const line = { id: 'e1', kind: 'text' as const, text: 'Save', box: region, confidence: 0.97, words: [{ text: 'Save', box: region, confidence: 0.97 }], blockId: 'b0', order: 0 };
const wire = (e: object) => serverEventSchema.parse({ v: PROTOCOL_VERSION, ...e });

test('frameEvent carries seq, time, display, size and dirty rects, and no pixels', () => {
  const event = wire(frameEvent(frame, `${THUMBNAIL_PREFIX}AAAA`));
  assert.deepEqual(event, {
    v: 1, type: 'frame', seq: 7, time: 1_700_000_000_123, displayId: '1', width: 64, height: 32,
    dirtyRects: [{ x: 0, y: 0, width: 32, height: 32 }], thumbnail: `${THUMBNAIL_PREFIX}AAAA`,
  });
  assert.equal('thumbnail' in frameEvent(frame), false);
});

test('elements builders: diffs are partial, the full set is flagged', () => {
  assert.equal(wire(elementsDiffEvent({ seq: 3, added: [line], removed: ['e0'], changed: [] })).type, 'elements');
  const full = wire(elementsFullEvent(4, [line]));
  assert.ok(full.type === 'elements' && full.full && full.added.length === 1);
});

test('metricsEvent is a MetricsSnapshot; the server adds the counters', () => {
  const metrics = new Metrics();
  metrics.observe('ocr', 12);
  metrics.count('framesDropped', 3);
  const event = metricsEvent(metrics.snapshot());
  const counters = { id: 'c1', sent: 0, dropped: 0, coalesced: 0, resyncs: 0, queued: 0, bufferedAmount: 0, rateLimited: 0 };
  const parsed = wire({ ...event, server: { clients: 1, published: 0, sent: 0, dropped: 0, coalesced: 0 }, client: counters });
  assert.ok(parsed.type === 'metrics' && parsed.stages.ocr?.count === 1 && parsed.counters.framesDropped === 3);
});
