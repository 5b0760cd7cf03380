// The pipeline → protocol builders produce events the protocol schema accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '../../src/frames/frame.js';
import { Metrics } from '../../src/metrics.js';
import { SightlineError } from '../../src/errors.js';
import { actionEvent, answerEvent, elementsDiffEvent, elementsFullEvent, errorEvent, frameEvent, metricsEvent, narrationEvent, tokenEvent } from '../../src/server/events.js';
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

test('stream builders: token, action, narration, answer and error parse as protocol events', () => {
  assert.deepEqual(wire(tokenEvent(3, 'Sa')), { v: 1, type: 'token', seq: 3, text: 'Sa', done: false });
  assert.deepEqual(wire(tokenEvent(3, '', true)), { v: 1, type: 'token', seq: 3, text: '', done: true });
  assert.deepEqual(wire(actionEvent(3, { type: 'type', text: 'hi@example.com' })), { v: 1, type: 'action', seq: 3, action: { type: 'type', text: 'hi@example.com' } });
  assert.deepEqual(wire(narrationEvent('A menu opened', 3)), { v: 1, type: 'narration', seq: 3, text: 'A menu opened' });
  assert.deepEqual(wire(answerEvent('Two unread mails')), { v: 1, type: 'answer', text: 'Two unread mails' });
  const err = new SightlineError('ERR_PERCEPTION', 'OCR failed', { hint: 'see the log', file: 'models/rec.onnx' });
  assert.deepEqual(wire(errorEvent(err.toData())), { v: 1, type: 'error', code: 'ERR_PERCEPTION', message: 'OCR failed', hint: 'see the log' });
});

test('the schemas refuse what the topics promise not to carry', () => {
  const bad = [
    { v: 1, type: 'token', seq: 1, text: 'x' }, // no done
    { v: 1, type: 'action', seq: 1, action: { kind: 'click' } }, // no string type
    { v: 1, type: 'action', seq: 1, action: 'click' },
    { v: 1, type: 'narration', seq: -1, text: 'x' },
    { v: 1, type: 'error', code: 'invalid_json', message: 'x' }, // wire codes are ERR_*
  ];
  for (const event of bad) assert.equal(serverEventSchema.safeParse(event).success, false, JSON.stringify(event));
});
