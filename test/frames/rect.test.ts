// The box maths every stage shares (frames/rect.ts): hand-checked cases, and properties over
// random rects (fast-check) for the operations whose slips would move every OCR box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  alignToGrid,
  area,
  centre,
  clampTo,
  contains,
  containsPoint,
  horizontalSlice,
  intersection,
  intersects,
  iou,
  pad,
  pointNear,
  union,
  unionAll,
  type Rect,
} from '../../src/frames/rect.js';

const box = (x: number, y: number, width: number, height: number): Rect => ({ x, y, width, height });
const coord = fc.integer({ min: -500, max: 500 });
const rect = fc.record({ x: coord, y: coord, width: fc.integer({ min: 1, max: 300 }), height: fc.integer({ min: 1, max: 300 }) }).map((r): Rect => ({ ...r }));
/** A part of a word, as grounding asks for one: from a character boundary before the end to one after it. */
const fractions = fc.integer({ min: 0, max: 63 }).chain((i) => fc.tuple(fc.constant(i / 64), fc.integer({ min: i, max: 64 }).map((j) => j / 64)));

test('IoU of identical, disjoint, touching and half-overlapping boxes', () => {
  assert.equal(iou(box(0, 0, 10, 10), box(0, 0, 10, 10)), 1);
  assert.equal(iou(box(0, 0, 10, 10), box(20, 0, 10, 10)), 0);
  assert.equal(iou(box(0, 0, 10, 10), box(10, 0, 10, 10)), 0);
  // Overlap 5x10 = 50, union 150.
  assert.equal(iou(box(0, 0, 10, 10), box(5, 0, 10, 10)), 50 / 150);
  // One inside the other: 25 / 100.
  assert.equal(iou(box(0, 0, 10, 10), box(0, 0, 5, 5)), 0.25);
});

test('intersection is commutative, lies inside both, and exists exactly when they intersect', () => {
  fc.assert(
    fc.property(rect, rect, (a, b) => {
      const i = intersection(a, b);
      assert.deepEqual(i, intersection(b, a));
      assert.equal(i !== null, intersects(a, b));
      assert.equal(intersects(a, b), intersects(b, a));
      if (i) {
        assert.ok(contains(a, i) && contains(b, i), JSON.stringify(i));
        assert.ok(area(i) > 0);
      }
    }),
  );
});

test('boxes that only touch do not intersect', () => {
  assert.equal(intersection(box(0, 0, 10, 10), box(10, 0, 10, 10)), null);
  assert.equal(intersection(box(0, 0, 10, 10), box(0, 10, 10, 10)), null);
  assert.equal(intersects(box(0, 0, 10, 10), box(10, 0, 10, 10)), false);
  assert.deepEqual(intersection(box(0, 0, 10, 10), box(9, 9, 10, 10)), box(9, 9, 1, 1));
});

test('union contains both, is commutative and is the smallest such rect', () => {
  fc.assert(
    fc.property(rect, rect, (a, b) => {
      const u = union(a, b);
      assert.ok(contains(u, a) && contains(u, b));
      assert.deepEqual(u, union(b, a));
      assert.deepEqual(unionAll([a, b]), u);
      // Each edge of the union is an edge of one of the two.
      assert.ok(u.x === a.x || u.x === b.x);
      assert.ok(u.y === a.y || u.y === b.y);
      assert.ok(u.x + u.width === a.x + a.width || u.x + u.width === b.x + b.width);
      assert.ok(u.y + u.height === a.y + a.height || u.y + u.height === b.y + b.height);
    }),
  );
});

test('IoU lies in [0, 1], is symmetric, 1 for the same box and 0 exactly when they share no pixel', () => {
  fc.assert(
    fc.property(rect, rect, (a, b) => {
      const v = iou(a, b);
      assert.ok(v >= 0 && v <= 1, String(v));
      assert.equal(v, iou(b, a));
      assert.equal(iou(a, a), 1);
      assert.equal(v > 0, intersects(a, b));
    }),
  );
});

test('contains: a rect holds itself and its intersections; a grown rect holds the original', () => {
  fc.assert(
    fc.property(rect, rect, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (a, b, dx, dy) => {
      assert.ok(contains(a, a));
      const grown = pad(a, dx, dy);
      assert.ok(contains(grown, a));
      assert.equal(contains(a, grown), dx === 0 && dy === 0);
      assert.deepEqual(pad(grown, -dx, -dy), a);
      assert.equal(contains(a, b) && contains(b, a), a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height);
    }),
  );
  // Shared edges count; one pixel past the right or bottom edge does not.
  assert.ok(contains(box(0, 0, 10, 10), box(5, 5, 5, 5)));
  assert.ok(!contains(box(0, 0, 10, 10), box(5, 5, 6, 5)));
  assert.ok(!contains(box(0, 0, 10, 10), box(5, 5, 5, 6)));
  assert.ok(!contains(box(0, 0, 10, 10), box(-1, 0, 5, 5)));
  assert.deepEqual(pad(box(10, 20, 30, 40), 2), box(8, 18, 34, 44));
});

test('points: a centre lies on its rect; containsPoint is half-open, pointNear closed with slack', () => {
  fc.assert(fc.property(rect, (r) => assert.ok(containsPoint(r, centre(r)) && pointNear(r, centre(r)))));
  const r = box(10, 20, 30, 40);
  assert.deepEqual(centre(r), { x: 25, y: 40 });
  assert.ok(containsPoint(r, { x: 10, y: 20 }));
  assert.ok(!containsPoint(r, { x: 40, y: 30 }), 'x + width is the first column outside');
  assert.ok(!containsPoint(r, { x: 20, y: 60 }), 'y + height is the first row outside');
  assert.ok(!containsPoint(r, { x: 9.5, y: 30 }));
  assert.ok(pointNear(r, { x: 40, y: 60 }), 'edges included');
  assert.ok(!pointNear(r, { x: 41, y: 30 }));
  assert.ok(pointNear(r, { x: 42, y: 30 }, 2));
  assert.ok(!pointNear(r, { x: 10, y: 17 }, 2));
});

test('clampTo keeps the part inside the bounds and never goes negative', () => {
  const bounds = box(0, 0, 100, 50);
  fc.assert(
    fc.property(rect, (r) => {
      const c = clampTo(r, bounds);
      assert.ok(c.width >= 0 && c.height >= 0);
      const i = intersection(r, bounds);
      if (i) assert.deepEqual(c, i);
      else assert.equal(area(c), 0);
    }),
  );
  assert.deepEqual(clampTo(box(-10, -5, 30, 20), bounds), box(0, 0, 20, 15));
  assert.deepEqual(clampTo(box(90, 40, 30, 20), bounds), box(90, 40, 10, 10));
});

test('alignToGrid: the smallest lattice-aligned rect holding the original', () => {
  fc.assert(
    fc.property(rect, fc.constantFrom(1, 8, 16, 32, 64), (r, grid) => {
      const g = alignToGrid(r, grid);
      assert.ok(contains(g, r));
      for (const v of [g.x, g.y, g.width, g.height]) assert.equal(((v % grid) + grid) % grid, 0);
      // One grid step less on any side would cut r.
      assert.ok(g.x + grid > r.x && g.y + grid > r.y);
      assert.ok(g.x + g.width - grid < r.x + r.width && g.y + g.height - grid < r.y + r.height);
    }),
  );
  assert.deepEqual(alignToGrid(box(33, -1, 30, 2), 32), box(32, -32, 32, 64));
  assert.deepEqual(alignToGrid(box(64, 0, 32, 32), 32), box(64, 0, 32, 32));
});

test('horizontalSlice: the columns between two fractions of the width, rounded outward', () => {
  const word = box(100, 10, 40, 20);
  assert.deepEqual(horizontalSlice(word, 0, 1), word);
  assert.deepEqual(horizontalSlice(word, 0.25, 0.5), box(110, 10, 10, 20));
  assert.deepEqual(horizontalSlice(word, 0.1, 0.2), box(104, 10, 4, 20));
  assert.deepEqual(horizontalSlice(word, 0.26, 0.49), box(110, 10, 10, 20), 'rounded outward');
  assert.deepEqual(horizontalSlice(word, 0.1, 0.21), box(104, 10, 5, 20), 'rounded outward');
  assert.deepEqual(horizontalSlice(word, -1, 2), word, 'fractions clamped to [0, 1]');
  assert.deepEqual(horizontalSlice(word, 0.5, 0.5), box(120, 10, 1, 20), 'at least one column');
  fc.assert(
    fc.property(rect, fractions, (r, [from, to]) => {
      const s = horizontalSlice(r, from, to);
      assert.equal(s.y, r.y);
      assert.equal(s.height, r.height);
      assert.ok(s.width >= 1);
      assert.ok(s.x >= r.x && s.x + s.width <= r.x + r.width, JSON.stringify({ r, s, from, to }));
    }),
  );
});

test('unionAll of a list is the union folded over it', () => {
  fc.assert(
    fc.property(fc.array(rect, { minLength: 1, maxLength: 8 }), (rects) => {
      assert.deepEqual(unionAll(rects), rects.reduce(union));
    }),
  );
  // Fractional CSS boxes stay exact: the right edge is the largest right edge, not a sum of differences.
  assert.deepEqual(unionAll([box(0.1, 0, 0.2, 1), box(0.3, 0, 0.4, 1)]), { x: 0.1, y: 0, width: 0.7 - 0.1, height: 1 });
});
