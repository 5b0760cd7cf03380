// The pure stages, on inputs built by hand: CTC index conventions and word boxes, DB boxes and
// unclip, region planning, reading order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCharset } from '../../src/ocr/charset.js';
import { defaultModelFiles } from '../../src/ocr/model-files.js';
import { ctcGreedy, toLine } from '../../src/ocr/ctc-decode.js';
import { dbBoxes, unclip, mergeLineFragments } from '../../src/ocr/db-postprocess.js';
import { planRegions, reconcile } from '../../src/ocr/incremental.js';
import { layoutLines } from '../../src/ocr/layout.js';
import { planBatches, recWidth } from '../../src/ocr/rec-preprocess.js';
import type { UiElement } from '../../src/perception/element.js';

const charset = loadCharset(defaultModelFiles().charset);

test('charset: blank at 0, the keys file from 1, space last (6625 classes)', () => {
  assert.equal(charset.classes.length, 6625);
  assert.equal(charset.classes[0], '');
  assert.equal(charset.classes[6624], ' ');
  assert.equal(charset.classes[1], "'");
});

/** A [1, T, C] softmax output with probability 0.9 on the given class per step. */
function output(steps: number[]): Float32Array {
  const c = charset.classes.length;
  const out = new Float32Array(steps.length * c).fill(0.1 / (c - 1));
  steps.forEach((cls, t) => (out[t * c + cls] = 0.9));
  return out;
}

test('greedy CTC merges repeats, drops blanks, keeps a repeat split by a blank', () => {
  const a = charset.classes.indexOf('a');
  const b = charset.classes.indexOf('b');
  const sp = charset.classes.length - 1;
  const chars = ctcGreedy(output([a, a, 0, a, b, b, sp, 0, b]), 0, 9, charset.classes.length, charset);
  assert.equal(chars.map((c) => c.char).join(''), 'aab b');
  assert.deepEqual(
    chars.map((c) => [c.t0, c.t1]),
    [[0, 1], [3, 3], [4, 5], [6, 6], [8, 8]],
  );
  assert.ok(Math.abs(chars[0]!.prob - 0.9) < 1e-6);
});

test('word boxes follow the CTC steps into frame pixels', () => {
  const h = charset.classes.indexOf('h');
  const i = charset.classes.indexOf('i');
  const sp = charset.classes.length - 1;
  // 20 steps = 160 columns at height 48; the crop is 320x96 at x=100, so one step = 16 frame px.
  const steps = [0, h, 0, i, 0, 0, 0, sp, 0, 0, 0, h, 0, i, 0, 0, 0, 0, 0, 0];
  const line = toLine(ctcGreedy(output(steps), 0, steps.length, charset.classes.length, charset), { x: 100, y: 50, width: 320, height: 96 }, 160);
  assert.equal(line.text, 'hi hi');
  assert.equal(line.words.length, 2);
  const [w1, w2] = line.words;
  assert.ok(w1!.box.x >= 100 && w1!.box.x + w1!.box.width <= 100 + 16 * 5, JSON.stringify(w1!.box));
  assert.ok(w2!.box.x >= 100 + 16 * 10 && w2!.box.x + w2!.box.width <= 100 + 16 * 15, JSON.stringify(w2!.box));
  assert.equal(w1!.box.y, 50);
  assert.equal(w1!.box.height, 96);
});

test('a wide blank between characters becomes a space when the pixels show a gap', () => {
  const a = charset.classes.indexOf('a');
  const steps = [a, 0, a, 0, a, 0, 0, 0, 0, 0, 0, 0, a, 0, a];
  const chars = ctcGreedy(output(steps), 0, steps.length, charset.classes.length, charset);
  const box = { x: 0, y: 0, width: 120, height: 48 };
  assert.equal(toLine(chars, box, 120, () => 20).text, 'aaa aa');
  assert.equal(toLine(chars, box, 120, () => 1).text, 'aaaaa');
});

test('DB: kernels above the threshold become unclipped boxes; weak and tiny ones are dropped', () => {
  const w = 64;
  const h = 32;
  const prob = new Float32Array(w * h);
  const fill = (x0: number, y0: number, x1: number, y1: number, p: number): void => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) prob[y * w + x] = p;
  };
  fill(4, 4, 24, 10, 0.9); // a text kernel
  fill(30, 4, 60, 10, 0.55); // above the binary threshold but weak overall
  fill(40, 20, 42, 22, 0.95); // a speck
  const boxes = dbBoxes(prob, w, h, { binaryThreshold: 0.5, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 });
  assert.equal(boxes.length, 1);
  // The 20x6 kernel grows on every side by D = A·r / L = 120 · 1.5 / 52 = 45/13 px (DB §3.3),
  // and scores the kernel's mean probability, 0.9 in float32.
  const expected = { x0: 4 - 45 / 13, y0: 4 - 45 / 13, x1: 24 + 45 / 13, y1: 10 + 45 / 13, score: Math.fround(0.9) };
  for (const k of ['x0', 'y0', 'x1', 'y1', 'score'] as const) assert.ok(Math.abs(boxes[0]![k] - expected[k]) < 1e-9, `${k}: ${boxes[0]![k]} vs ${expected[k]}`);
});

test('unclip offsets every edge by area · ratio / perimeter', () => {
  // 10x10, r = 2: D = 100 · 2 / 40 = 5.
  assert.deepEqual(unclip({ x0: 0, y0: 0, x1: 10, y1: 10, score: 0.7 }, 2), { x0: -5, y0: -5, x1: 15, y1: 15, score: 0.7 });
  // 30x2 at (10, 20), r = 1.6: D = 60 · 1.6 / 64 = 1.5; a thin kernel grows by less than its height.
  assert.deepEqual(unclip({ x0: 10, y0: 20, x1: 40, y1: 22, score: 1 }, 1.6), { x0: 8.5, y0: 18.5, x1: 41.5, y1: 23.5, score: 1 });
});

test('line fragments that overlap or nearly touch join; separate lines do not', () => {
  const out = mergeLineFragments([
    { x: 0, y: 0, width: 50, height: 20 },
    { x: 45, y: 1, width: 50, height: 19 },
    { x: 0, y: 30, width: 50, height: 20 },
    { x: 200, y: 0, width: 30, height: 20 },
  ]);
  assert.deepEqual(out, [
    { x: 0, y: 0, width: 95, height: 20 },
    { x: 0, y: 30, width: 50, height: 20 },
    { x: 200, y: 0, width: 30, height: 20 },
  ]);
});

function el(id: string, text: string, x: number, y: number, width: number, height = 20): UiElement {
  return { id, kind: 'text', text, box: { x, y, width, height }, confidence: 1, words: [], blockId: 'b0', order: 0 };
}

test('regions grow to whole known lines and merge; big changes become one full read', () => {
  const frame = { x: 0, y: 0, width: 1000, height: 800 };
  const known = [el('a', 'a long line of text', 100, 100, 600), el('b', 'below', 100, 130, 100), el('c', 'far', 100, 500, 50)];
  const regions = planRegions([{ x: 400, y: 105, width: 10, height: 10 }], known, frame);
  assert.equal(regions.length, 1);
  const r = regions[0]!;
  assert.ok(r.x <= 100 && r.x + r.width >= 700, 'covers the whole touched line');
  assert.ok(r.y + r.height < 500, 'does not reach unrelated lines');
  assert.deepEqual(planRegions([{ x: 0, y: 0, width: 900, height: 700 }], known, frame), [frame]);
  assert.deepEqual(planRegions([], known, frame), []);
});

test('reconcile keeps ids of unchanged and edited lines, reports added and removed', () => {
  const old = [el('e1', 'Save', 10, 10, 40), el('e2', 'Cancel', 60, 10, 50), el('e3', 'Gone', 10, 40, 40)];
  const line = (text: string, x: number, y: number, width: number) => ({ text, box: { x, y, width, height: 20 }, confidence: 0.9, words: [], hash: text });
  let n = 0;
  const r = reconcile(old, [line('Save', 11, 10, 40), line('Cancel!', 60, 10, 56), line('New', 10, 70, 30)], () => `n${n++}`);
  assert.deepEqual(r.current.map((e) => e.id), ['e1', 'e2', 'n0']);
  assert.equal(r.current[0], old[0], 'an unchanged line is the old element itself');
  assert.deepEqual(r.changed.map((e) => [e.id, e.text]), [['e2', 'Cancel!']]);
  assert.deepEqual(r.added.map((e) => e.text), ['New']);
  assert.deepEqual(r.removed, ['e3']);
  const jittered = reconcile(old.slice(0, 1), [line('Save', 14, 10, 40)], () => 'x', { tolerance: 2, unchangedPixels: (e) => e.id === 'e1' });
  assert.deepEqual(jittered.changed, [], 'same text, untouched pixels: the old element stays');
  assert.equal(jittered.current[0], old[0]);
});

test('layout: columns read top to bottom, one after the other; rows left to right', () => {
  const boxes = [
    { x: 400, y: 50, width: 200, height: 20 }, // right column, line 1
    { x: 10, y: 50, width: 200, height: 20 }, // left column, line 1
    { x: 10, y: 75, width: 180, height: 20 }, // left column, line 2
    { x: 400, y: 75, width: 150, height: 20 }, // right column, line 2
    { x: 10, y: 5, width: 60, height: 20 }, // menu bar
    { x: 90, y: 5, width: 60, height: 20 },
  ];
  const { order, block } = layoutLines(boxes);
  assert.deepEqual(order, [4, 5, 1, 2, 0, 3]);
  assert.equal(block[1], block[2]);
  assert.equal(block[0], block[3]);
  assert.notEqual(block[1], block[0]);
});

test('recognition batches group similar widths', () => {
  assert.equal(recWidth({ x: 0, y: 0, width: 100, height: 24 }), 200);
  const batches = planBatches([100, 1000, 110, 980, 105]);
  assert.deepEqual(batches.map((b) => b.sort()), [[0, 2, 4], [1, 3]]);
});
