import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeDetector, mergeDirtyTiles, mergeRectLists } from '../../src/frames/change.js';
import type { RawFrame } from '../../src/frames/frame.js';

const display = { id: '0', x: 0, y: 0, width: 200, height: 100, scaleFactor: 1, primary: true };

function rawFrame(seq: number, width = 200, height = 100, fill = 0x20): RawFrame {
  return {
    seq,
    time: 0,
    monotonicMs: 0,
    display,
    region: { x: 0, y: 0, width, height },
    width,
    height,
    pixelFormat: 'bgra',
    data: Buffer.alloc(width * height * 4, fill),
  };
}

function setPixel(frame: RawFrame, x: number, y: number, value: number): void {
  frame.data[(y * frame.width + x) * 4] = value;
}

test('the first frame is dirty everywhere and hashed', () => {
  const frame = new ChangeDetector(32).detect(rawFrame(0))!;
  assert.deepEqual(frame.dirtyRects, [{ x: 0, y: 0, width: 200, height: 100 }]);
  assert.equal(frame.tileColumns, 7);
  assert.equal(frame.tileRows, 4);
  assert.equal(frame.tileHashes.length, 28);
  assert.equal(frame.previousSeq, null);
  assert.match(frame.hash, /^[0-9a-f]{16}$/);
});

test('an identical frame produces nothing', () => {
  const detector = new ChangeDetector(32);
  detector.detect(rawFrame(0));
  assert.equal(detector.detect(rawFrame(1)), null);
});

test('a one-pixel change dirties exactly its tile', () => {
  const detector = new ChangeDetector(32);
  const first = detector.detect(rawFrame(0))!;
  const next = rawFrame(1);
  setPixel(next, 70, 40, 0xff); // tile (2, 1)
  const frame = detector.detect(next)!;
  assert.deepEqual(frame.dirtyRects, [{ x: 64, y: 32, width: 32, height: 32 }]);
  assert.equal(frame.previousSeq, 0);
  const changedTiles = [...frame.tileHashes.keys()].filter((i) => frame.tileHashes[i] !== first.tileHashes[i]);
  assert.deepEqual(changedTiles, [1 * 7 + 2]);
  assert.notEqual(frame.hash, first.hash);
});

test('a change in the partial last tile is clipped to the frame', () => {
  const detector = new ChangeDetector(32);
  detector.detect(rawFrame(0));
  const next = rawFrame(1);
  setPixel(next, 199, 99, 0xff);
  assert.deepEqual(detector.detect(next)!.dirtyRects, [{ x: 192, y: 96, width: 8, height: 4 }]);
});

test('separate changes give separate rectangles; adjacent tiles merge', () => {
  const detector = new ChangeDetector(32);
  detector.detect(rawFrame(0));
  const next = rawFrame(1);
  setPixel(next, 1, 1, 0xff);
  setPixel(next, 33, 1, 0xff); // tile (1,0): adjacent to (0,0)
  setPixel(next, 150, 80, 0xff); // tile (4,2): separate
  const rects = detector.detect(next)!.dirtyRects;
  assert.deepEqual(rects, [
    { x: 0, y: 0, width: 64, height: 32 },
    { x: 128, y: 64, width: 32, height: 32 },
  ]);
});

test('returning to an earlier image restores the same hash', () => {
  const detector = new ChangeDetector(32);
  const a = detector.detect(rawFrame(0))!;
  const changed = rawFrame(1);
  setPixel(changed, 10, 10, 0xff);
  detector.detect(changed);
  const back = detector.detect(rawFrame(2))!;
  assert.equal(back.hash, a.hash);
  assert.deepEqual([...back.tileHashes], [...a.tileHashes]);
});

test('a size change restarts detection with the whole frame dirty', () => {
  const detector = new ChangeDetector(32);
  detector.detect(rawFrame(0));
  const frame = detector.detect(rawFrame(1, 100, 50))!;
  assert.deepEqual(frame.dirtyRects, [{ x: 0, y: 0, width: 100, height: 50 }]);
  assert.equal(frame.previousSeq, null);
});

test('an empty frame is handled without dirty rectangles', () => {
  const frame = new ChangeDetector(32).detect(rawFrame(0, 0, 0))!;
  assert.deepEqual(frame.dirtyRects, []);
  assert.equal(frame.tileHashes.length, 0);
});

test('an L-shaped group of tiles becomes its bounding box', () => {
  const grid = { columns: 3, rows: 3 };
  const dirty = Uint8Array.from([1, 0, 0, 1, 0, 0, 1, 1, 1]);
  assert.deepEqual(mergeDirtyTiles(dirty, grid, 10, 30, 30), [{ x: 0, y: 0, width: 30, height: 30 }]);
});

test('mergeRectLists keeps every area and drops contained duplicates', () => {
  const big = { x: 0, y: 0, width: 10, height: 10 };
  const inside = { x: 2, y: 2, width: 3, height: 3 };
  const other = { x: 20, y: 0, width: 5, height: 5 };
  assert.deepEqual(mergeRectLists([inside, other], [big]), [other, big]);
  assert.deepEqual(mergeRectLists([big], [big]), [big]);
});
