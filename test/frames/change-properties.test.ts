// Change detection, property-based (fast-check) over random frames: sizes that are and are not
// multiples of the tile size (1xN and Nx1 included), and pixel changes anywhere, drawn often from
// the rows and columns at tile edges and from the frame's partial last tiles, where a scan that
// stops one row or column short would still pass hand-picked mid-tile cases (issue 11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChangeDetector } from '../../src/frames/change.js';
import type { Frame, RawFrame } from '../../src/frames/frame.js';
import type { Rect } from '../../src/frames/rect.js';

const RUNS = 400;

interface Change {
  x: number;
  y: number;
  /** Which byte of the BGRX pixel (the X byte counts: the detector compares bytes). */
  byte: number;
  /** XORed into that byte; never 0, so each change alone alters the frame. */
  flip: number;
}

interface Case {
  tileSize: number;
  width: number;
  height: number;
  seed: number;
  /** Successive frames, each the previous one with these changes applied. */
  rounds: Change[][];
}

/** Indexes in [0, n) where tile-edge bugs hide: first and last of each tile, and the very last. */
function edges(n: number, size: number): number[] {
  const out = new Set<number>([0, n - 1]);
  for (let k = size; k < n + size; k += size) {
    out.add(Math.min(k, n) - 1);
    if (k < n) out.add(k);
  }
  return [...out];
}

function coordinate(n: number, size: number): fc.Arbitrary<number> {
  return fc.oneof(fc.integer({ min: 0, max: n - 1 }), fc.constantFrom(...edges(n, size)));
}

function side(): fc.Arbitrary<number> {
  return fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 97 }));
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({ tileSize: fc.constantFrom(8, 9, 16, 32), width: side(), height: side(), seed: fc.integer() })
  .chain(({ tileSize, width, height, seed }) => {
    const change = fc.record({ x: coordinate(width, tileSize), y: coordinate(height, tileSize), byte: fc.integer({ min: 0, max: 3 }), flip: fc.integer({ min: 1, max: 255 }) });
    return fc.record({
      tileSize: fc.constant(tileSize),
      width: fc.constant(width),
      height: fc.constant(height),
      seed: fc.constant(seed),
      rounds: fc.array(fc.array(change, { minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
    });
  });

const display = { id: '0', x: 0, y: 0, width: 1, height: 1, scaleFactor: 1, primary: true };

function frameOf(seq: number, width: number, height: number, data: Buffer): RawFrame {
  return { seq, time: seq, monotonicMs: seq, display, region: { x: 0, y: 0, width, height }, width, height, pixelFormat: 'bgra', data };
}

/** Deterministic pseudo-random pixels (a screen is not uniform; hashes must see every word). */
function noise(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  let s = seed | 0 || 1;
  for (let i = 0; i < data.length; i += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data.writeInt32LE(s | 0, i);
  }
  return data;
}

function changedPixels(a: Buffer, b: Buffer, width: number): Array<{ x: number; y: number }> {
  const out: Array<{ x: number; y: number }> = [];
  for (let i = 0; i < a.length; i += 4) {
    if (a.readUInt32LE(i) !== b.readUInt32LE(i)) out.push({ x: (i / 4) % width, y: Math.floor(i / 4 / width) });
  }
  return out;
}

const inside = (r: Rect, x: number, y: number) => x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height;
const tileOf = (p: { x: number; y: number }, size: number) => `${Math.floor(p.x / size)},${Math.floor(p.y / size)}`;

/** Checks one changed frame against the pixels that really changed. */
function checkChanged(frame: Frame, previous: Frame, changed: Array<{ x: number; y: number }>, c: Case): void {
  const { tileSize: size, width, height } = c;
  for (const p of changed) {
    assert.ok(
      frame.dirtyRects.some((r) => inside(r, p.x, p.y)),
      `changed pixel (${p.x},${p.y}) is in no dirty rect ${JSON.stringify(frame.dirtyRects)}`,
    );
  }
  const dirtyTiles = new Set(changed.map((p) => tileOf(p, size)));
  for (const r of frame.dirtyRects) {
    // Tile-aligned, inside the frame, and tight: its first and last tile row and column each hold a
    // tile with a changed pixel, so a rect never reaches past the changed tiles it stands for.
    assert.ok(r.width > 0 && r.height > 0 && r.x >= 0 && r.y >= 0 && r.x + r.width <= width && r.y + r.height <= height, `rect ${JSON.stringify(r)} outside ${width}x${height}`);
    assert.equal(r.x % size, 0, `rect ${JSON.stringify(r)} not tile-aligned`);
    assert.equal(r.y % size, 0, `rect ${JSON.stringify(r)} not tile-aligned`);
    assert.ok((r.x + r.width) % size === 0 || r.x + r.width === width, `rect ${JSON.stringify(r)} ends mid-tile`);
    assert.ok((r.y + r.height) % size === 0 || r.y + r.height === height, `rect ${JSON.stringify(r)} ends mid-tile`);
    const [tx0, ty0] = [r.x / size, r.y / size];
    const [tx1, ty1] = [Math.ceil((r.x + r.width) / size) - 1, Math.ceil((r.y + r.height) / size) - 1];
    const has = (tx: number, ty: number) => dirtyTiles.has(`${tx},${ty}`);
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    assert.ok(range(tx0, tx1).some((tx) => has(tx, ty0)), `rect ${JSON.stringify(r)}: no changed tile in its top row`);
    assert.ok(range(tx0, tx1).some((tx) => has(tx, ty1)), `rect ${JSON.stringify(r)}: no changed tile in its bottom row`);
    assert.ok(range(ty0, ty1).some((ty) => has(tx0, ty)), `rect ${JSON.stringify(r)}: no changed tile in its left column`);
    assert.ok(range(ty0, ty1).some((ty) => has(tx1, ty)), `rect ${JSON.stringify(r)}: no changed tile in its right column`);
  }
  // A single changed tile is exactly that tile, clipped to the frame.
  if (dirtyTiles.size === 1) {
    const [tx, ty] = [...dirtyTiles][0]!.split(',').map(Number) as [number, number];
    const x = tx * size;
    const y = ty * size;
    assert.deepEqual(frame.dirtyRects, [{ x, y, width: Math.min(size, width - x), height: Math.min(size, height - y) }]);
  }
  // Untouched tiles keep their previous hash; every hash equals a from-scratch hash of this frame;
  // and a tile with exactly one changed pixel has a new hash (FNV-1a steps are bijections, so one
  // changed 32-bit word always changes it: a hash that skips a row or column of the tile would not).
  const perTile = new Map<string, number>();
  for (const p of changed) perTile.set(tileOf(p, size), (perTile.get(tileOf(p, size)) ?? 0) + 1);
  for (const [key, count] of perTile) {
    const [tx, ty] = key.split(',').map(Number) as [number, number];
    const i = ty * frame.tileColumns + tx;
    if (count === 1) assert.notEqual(frame.tileHashes[i], previous.tileHashes[i], `tile ${key}: one pixel changed, hash did not`);
  }
  const scratch = new ChangeDetector(size).detect(frameOf(0, width, height, frame.data))!;
  for (let i = 0; i < frame.tileHashes.length; i++) {
    const key = `${i % frame.tileColumns},${Math.floor(i / frame.tileColumns)}`;
    if (!dirtyTiles.has(key)) assert.equal(frame.tileHashes[i], previous.tileHashes[i], `untouched tile ${key} changed its hash`);
    assert.equal(frame.tileHashes[i], scratch.tileHashes[i], `tile ${key}: stale hash (a change in it went unseen)`);
  }
  assert.equal(frame.hash, scratch.hash);
}

test('property: every changed pixel is in a tight, tile-aligned dirty rect; hashes stay exact', () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const detector = new ChangeDetector(c.tileSize);
      let data = noise(c.width, c.height, c.seed);
      let previous = detector.detect(frameOf(0, c.width, c.height, data))!;
      assert.deepEqual(previous.dirtyRects, [{ x: 0, y: 0, width: c.width, height: c.height }]);
      assert.equal(previous.tileColumns, Math.ceil(c.width / c.tileSize));
      assert.equal(previous.tileRows, Math.ceil(c.height / c.tileSize));
      c.rounds.forEach((changes, round) => {
        const next = Buffer.from(data);
        for (const ch of changes) next[(ch.y * c.width + ch.x) * 4 + ch.byte]! ^= ch.flip;
        const changed = changedPixels(data, next, c.width);
        const frame = detector.detect(frameOf(round + 1, c.width, c.height, next));
        if (changed.length === 0) {
          assert.equal(frame, null, 'an unchanged frame must yield null');
          return;
        }
        assert.ok(frame, `${changed.length} changed pixels but detect() returned null`);
        assert.equal(frame.previousSeq, previous.seq);
        checkChanged(frame, previous, changed, c);
        previous = frame;
        data = next;
      });
    }),
    { numRuns: RUNS },
  );
});

test('property: a single changed pixel anywhere, on a tile edge or in a partial last tile, dirties exactly its tile', () => {
  const arb = fc
    .record({ tileSize: fc.constantFrom(8, 16, 32), width: side(), height: side(), seed: fc.integer() })
    .chain((base) =>
      fc.record({
        base: fc.constant(base),
        x: coordinate(base.width, base.tileSize),
        y: coordinate(base.height, base.tileSize),
        byte: fc.integer({ min: 0, max: 3 }),
        flip: fc.integer({ min: 1, max: 255 }),
      }),
    );
  fc.assert(
    fc.property(arb, ({ base, x, y, byte, flip }) => {
      const { tileSize: size, width, height, seed } = base;
      const detector = new ChangeDetector(size);
      const data = noise(width, height, seed);
      const previous = detector.detect(frameOf(0, width, height, data))!;
      assert.equal(detector.detect(frameOf(1, width, height, Buffer.from(data))), null);
      const next = Buffer.from(data);
      next[(y * width + x) * 4 + byte]! ^= flip;
      const frame = detector.detect(frameOf(2, width, height, next));
      assert.ok(frame, `pixel (${x},${y}) of ${width}x${height} changed but detect() returned null`);
      checkChanged(frame, previous, [{ x, y }], { tileSize: size, width, height, seed, rounds: [] });
    }),
    { numRuns: RUNS },
  );
});
