// Change detection against a brute-force model, over random frames (fast-check): the tests that
// kill the mutants of src/frames/change.ts that change.test.ts let live (docs/mutation.md). Every
// pixel may change, including tile-edge rows and columns and the frame's partial last tiles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChangeDetector, mergeDirtyTiles, mergeRectLists } from '../../src/frames/change.js';
import type { RawFrame } from '../../src/frames/frame.js';
import type { Rect } from '../../src/frames/rect.js';

const display = { id: '0', x: 0, y: 0, width: 64, height: 64, scaleFactor: 1, primary: true };

function frameOf(width: number, height: number, data: Buffer, seq = 0): RawFrame {
  return { seq, time: 0, monotonicMs: 0, display, region: { x: 0, y: 0, width, height }, width, height, pixelFormat: 'bgra', data };
}

/** The model: a tile is dirty when any of its pixels differs; rectangles bound 4-connected dirty tiles. */
function expectedDirty(a: Buffer, b: Buffer, width: number, height: number, size: number): Rect[] {
  const columns = Math.ceil(width / size);
  const rows = Math.ceil(height / size);
  const dirty = new Set<number>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (a.readUInt32LE(i) !== b.readUInt32LE(i)) dirty.add(Math.floor(y / size) * columns + Math.floor(x / size));
    }
  }
  const rects: Rect[] = [];
  const seen = new Set<number>();
  for (const start of dirty) {
    if (seen.has(start)) continue;
    const group = [start];
    seen.add(start);
    for (let k = 0; k < group.length; k++) {
      const t = group[k]!;
      const tx = t % columns;
      const ty = Math.floor(t / columns);
      for (const [nx, ny] of [[tx - 1, ty], [tx + 1, ty], [tx, ty - 1], [tx, ty + 1]] as const) {
        const n = ny * columns + nx;
        if (nx >= 0 && nx < columns && ny >= 0 && ny < rows && dirty.has(n) && !seen.has(n)) {
          seen.add(n);
          group.push(n);
        }
      }
    }
    const txs = group.map((t) => t % columns);
    const tys = group.map((t) => Math.floor(t / columns));
    const x = Math.min(...txs) * size;
    const y = Math.min(...tys) * size;
    rects.push({ x, y, width: Math.min((Math.max(...txs) + 1) * size, width) - x, height: Math.min((Math.max(...tys) + 1) * size, height) - y });
  }
  return sortRects(rects);
}

function sortRects(rects: readonly Rect[]): Rect[] {
  return [...rects].sort((p, q) => p.y - q.y || p.x - q.x || p.width - q.width || p.height - q.height);
}

/** A random frame pair: sizes that leave partial last tiles, changes biased to tile edges and frame edges. */
const framePair = fc
  .record({ size: fc.integer({ min: 8, max: 12 }), width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 40 }), seed: fc.integer({ min: 0, max: 255 }) })
  .chain(({ size, width, height, seed }) => {
    const edge = (limit: number) =>
      fc.oneof(fc.integer({ min: 0, max: limit - 1 }), fc.constantFrom(0, limit - 1), fc.integer({ min: 1, max: Math.max(1, Math.ceil(limit / size)) }).map((t) => Math.min(limit - 1, t * size - 1)));
    const change = fc.record({ x: edge(width), y: edge(height), channel: fc.integer({ min: 0, max: 3 }), value: fc.integer({ min: 0, max: 255 }) });
    return fc.record({ size: fc.constant(size), width: fc.constant(width), height: fc.constant(height), seed: fc.constant(seed), changes: fc.array(change, { minLength: 1, maxLength: 6 }) });
  });

function build({ width, height, seed, changes }: { width: number; height: number; seed: number; changes: Array<{ x: number; y: number; channel: number; value: number }> }) {
  const before = Buffer.alloc(width * height * 4);
  for (let i = 0; i < before.length; i++) before[i] = (i * 31 + seed) & 0xff;
  const after = Buffer.from(before);
  for (const c of changes) after[(c.y * width + c.x) * 4 + c.channel] = c.value;
  return { before, after };
}

test('dirty rectangles equal the brute-force model on random frames, edges and partial tiles included', () => {
  fc.assert(
    fc.property(framePair, (pair) => {
      const { before, after } = build(pair);
      const detector = new ChangeDetector(pair.size);
      detector.detect(frameOf(pair.width, pair.height, before, 0));
      const frame = detector.detect(frameOf(pair.width, pair.height, after, 1));
      const expected = expectedDirty(before, after, pair.width, pair.height, pair.size);
      if (expected.length === 0) {
        assert.equal(frame, null);
        return;
      }
      assert.ok(frame);
      assert.deepEqual(sortRects(frame.dirtyRects), expected);
      assert.equal(frame.previousSeq, 0);
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('after a change, the tile hashes and frame hash are those of the new frame seen fresh', () => {
  fc.assert(
    fc.property(framePair, (pair) => {
      const { before, after } = build(pair);
      const detector = new ChangeDetector(pair.size);
      detector.detect(frameOf(pair.width, pair.height, before));
      const frame = detector.detect(frameOf(pair.width, pair.height, after));
      if (!frame) return;
      const fresh = new ChangeDetector(pair.size).detect(frameOf(pair.width, pair.height, after))!;
      assert.deepEqual([...frame.tileHashes], [...fresh.tileHashes]);
      assert.equal(frame.hash, fresh.hash);
      assert.equal(frame.tileColumns, Math.ceil(pair.width / pair.size));
      assert.equal(frame.tileRows, Math.ceil(pair.height / pair.size));
      assert.equal(frame.tileSize, pair.size);
      assert.match(frame.hash, /^[0-9a-f]{16}$/, 'always 16 hex digits, leading zeros kept');
    }),
    { numRuns: 300, seed: 12 },
  );
});

test('one changed pixel anywhere changes exactly its own tile hash and the frame hash', () => {
  const size = 8;
  const width = 21; // 3 columns, the last one 5 pixels wide
  const height = 18; // 3 rows, the last one 2 pixels high
  const base = Buffer.alloc(width * height * 4);
  for (let i = 0; i < base.length; i++) base[i] = (i * 7) & 0xff;
  const reference = new ChangeDetector(size).detect(frameOf(width, height, base))!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const changed = Buffer.from(base);
      changed[(y * width + x) * 4 + 3] ^= 0x80; // the fourth byte: X/alpha counts too
      const fresh = new ChangeDetector(size).detect(frameOf(width, height, changed))!;
      const tile = Math.floor(y / size) * 3 + Math.floor(x / size);
      const differing = [...fresh.tileHashes.keys()].filter((i) => fresh.tileHashes[i] !== reference.tileHashes[i]);
      assert.deepEqual(differing, [tile], `pixel (${x}, ${y})`);
      assert.notEqual(fresh.hash, reference.hash, `pixel (${x}, ${y})`);
    }
  }
});

test('the frame hash depends on the geometry and on the order of the tiles', () => {
  const black = (w: number, h: number) => new ChangeDetector(8).detect(frameOf(w, h, Buffer.alloc(w * h * 4)))!;
  // Same tile hashes (two all-black 8x8 tiles), different shapes.
  const wide = black(16, 8);
  const tall = black(8, 16);
  assert.deepEqual([...wide.tileHashes], [...tall.tileHashes]);
  assert.notEqual(wide.hash, tall.hash);
  // The same two tiles, swapped.
  const left = Buffer.alloc(16 * 8 * 4);
  const right = Buffer.alloc(16 * 8 * 4);
  for (let y = 0; y < 8; y++) {
    left.fill(0xff, y * 64, y * 64 + 32);
    right.fill(0xff, y * 64 + 32, y * 64 + 64);
  }
  const a = new ChangeDetector(8).detect(frameOf(16, 8, left))!;
  const b = new ChangeDetector(8).detect(frameOf(16, 8, right))!;
  assert.deepEqual([...a.tileHashes].reverse(), [...b.tileHashes]);
  assert.notEqual(a.hash, b.hash);
  assert.match(black(1, 1).hash, /^[0-9a-f]{16}$/);
});

test('a frame of another pixel format or buffer length is a new first frame', () => {
  const detector = new ChangeDetector(8);
  const data = Buffer.alloc(16 * 16 * 4, 9);
  detector.detect(frameOf(16, 16, data));
  const rgba = { ...frameOf(16, 16, Buffer.from(data), 1), pixelFormat: 'rgba' as const };
  const frame = detector.detect(rgba);
  assert.ok(frame, 'same bytes in another format are not "unchanged"');
  assert.equal(frame.previousSeq, null);
  assert.deepEqual(frame.dirtyRects, [{ x: 0, y: 0, width: 16, height: 16 }]);
  // Back to bgra with the same bytes: again a first frame, then identical frames stop.
  assert.equal(detector.detect(frameOf(16, 16, Buffer.from(data), 2))?.previousSeq, null);
  assert.equal(detector.detect(frameOf(16, 16, Buffer.from(data), 3)), null);
});

test('a frame with no pixels has no dirty rectangle, whichever side is zero', () => {
  for (const [w, h] of [[0, 0], [5, 0], [0, 5]] as const) {
    assert.deepEqual(new ChangeDetector(8).detect(frameOf(w, h, Buffer.alloc(0)))!.dirtyRects, [], `${w}x${h}`);
  }
});

test('a transposed frame with the very same bytes is a new first frame, not "unchanged"', () => {
  const detector = new ChangeDetector(8);
  const data = Buffer.alloc(16 * 8 * 4, 3);
  detector.detect(frameOf(16, 8, data, 0));
  const tall = detector.detect(frameOf(8, 16, Buffer.from(data), 1));
  assert.ok(tall, 'same length, other shape');
  assert.equal(tall.previousSeq, null);
  assert.deepEqual(tall.dirtyRects, [{ x: 0, y: 0, width: 8, height: 16 }]);
  const taller = detector.detect(frameOf(4, 32, Buffer.from(data), 2));
  assert.equal(taller?.previousSeq, null);
});

test('reset() makes the next frame a first frame, even when it is identical', () => {
  const detector = new ChangeDetector(8);
  const data = Buffer.alloc(16 * 16 * 4, 1);
  detector.detect(frameOf(16, 16, data, 0));
  detector.reset();
  const again = detector.detect(frameOf(16, 16, Buffer.from(data), 1));
  assert.ok(again);
  assert.equal(again.previousSeq, null);
  assert.deepEqual(again.dirtyRects, [{ x: 0, y: 0, width: 16, height: 16 }]);
});

test('tile sizes below 8 or not whole are refused; 8 is accepted', () => {
  for (const bad of [7, 0, -8, 8.5, Number.NaN]) assert.throws(() => new ChangeDetector(bad), { name: 'RangeError', message: `tileSize must be an integer ≥ 8, got ${bad}` });
  assert.equal(new ChangeDetector(8).detect(frameOf(8, 8, Buffer.alloc(256)))!.tileSize, 8);
  assert.equal(new ChangeDetector().detect(frameOf(64, 64, Buffer.alloc(64 * 64 * 4)))!.tileColumns, 2, 'default tile size 32');
});

test('mergeDirtyTiles: diagonal tiles stay apart, wrap-around neighbours are not neighbours', () => {
  const grid = { columns: 3, rows: 3 };
  // (2,0) and (0,1) are consecutive indexes but not adjacent tiles.
  assert.deepEqual(sortRects(mergeDirtyTiles(Uint8Array.from([0, 0, 1, 1, 0, 0, 0, 0, 0]), grid, 10, 30, 30)), [
    { x: 20, y: 0, width: 10, height: 10 },
    { x: 0, y: 10, width: 10, height: 10 },
  ].sort((p, q) => p.y - q.y || p.x - q.x));
  // Diagonal: (0,0) and (1,1).
  assert.equal(mergeDirtyTiles(Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 0]), grid, 10, 30, 30).length, 2);
  // A vertical pair merges through the row below; a U shape is one box.
  assert.deepEqual(mergeDirtyTiles(Uint8Array.from([0, 1, 0, 0, 1, 0, 0, 0, 0]), grid, 10, 30, 30), [{ x: 10, y: 0, width: 10, height: 20 }]);
  assert.deepEqual(mergeDirtyTiles(Uint8Array.from([1, 0, 1, 1, 0, 1, 1, 1, 1]), grid, 10, 25, 27), [{ x: 0, y: 0, width: 25, height: 27 }]);
  assert.deepEqual(mergeDirtyTiles(new Uint8Array(9), grid, 10, 30, 30), []);
});

test('mergeRectLists: every input area stays covered, nothing contained in another survives', () => {
  const rect = fc.record({ x: fc.integer({ min: 0, max: 20 }), y: fc.integer({ min: 0, max: 20 }), width: fc.integer({ min: 1, max: 12 }), height: fc.integer({ min: 1, max: 12 }) });
  const inside = (o: Rect, r: Rect) => r.x >= o.x && r.y >= o.y && r.x + r.width <= o.x + o.width && r.y + r.height <= o.y + o.height;
  fc.assert(
    fc.property(fc.array(rect, { maxLength: 6 }), fc.array(rect, { maxLength: 6 }), (a, b) => {
      const out = mergeRectLists(a, b);
      for (const r of [...a, ...b]) assert.ok(out.some((o) => inside(o, r)), 'an input rectangle lost its area');
      for (const r of out) assert.ok([...a, ...b].some((i) => i.x === r.x && i.y === r.y && i.width === r.width && i.height === r.height), 'only input rectangles');
      for (const [i, r] of out.entries()) assert.ok(!out.some((o, j) => j !== i && inside(o, r)), 'a contained or duplicate rectangle survived');
    }),
    { numRuns: 500, seed: 13 },
  );
  // Edges touching count as contained: a rectangle flush with its container's corner is dropped.
  const big = { x: 0, y: 0, width: 10, height: 10 };
  assert.deepEqual(mergeRectLists([{ x: 5, y: 5, width: 5, height: 5 }, { x: 0, y: 0, width: 5, height: 5 }], [big]), [big]);
  assert.deepEqual(mergeRectLists([big], [{ x: 5, y: 5, width: 6, height: 5 }]), [big, { x: 5, y: 5, width: 6, height: 5 }]);
});
