// Unit checks of the plain-TypeScript vision reference itself, against values computed by hand or
// with Python's math.erf, so the graph comparisons in the other vision-*.test.ts files rest on a
// reference that is right in its own terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erf, gelu } from '../reference/deepseek-vl/vision/math.js';
import { antialiasedBilinearTaps, bilinearTaps } from '../reference/deepseek-vl/vision/resize.js';
import { windowedAttention } from '../reference/deepseek-vl/vision/sam.js';

test('erf matches tabulated values across the Taylor / continued-fraction switch', () => {
  const table: Array<[number, number]> = [
    [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
    [1.999, 0.9953015566513705], [2, 0.9953222650189527], [3, 0.9999779095030014], [-2.5, -0.999593047982555], [4.5, 0.9999999998033839],
  ];
  for (const [x, want] of table) assert.ok(Math.abs(erf(x) - want) < 1e-13, `erf(${x}) = ${erf(x)}, want ${want}`);
  assert.ok(Math.abs(gelu(1) - 0.8413447460685429) < 1e-13);
  assert.ok(Math.abs(gelu(-3) - -0.00404969409489031) < 1e-13);
});

test('bilinear taps follow align_corners=False with the left edge clamped (64 → 96)', () => {
  const taps = bilinearTaps(64, 96);
  // dst 0 → src (0.5)·(2/3) − 0.5 < 0 → clamped to 0.
  assert.deepEqual([taps[0]!.start, ...taps[0]!.weights], [0, 1, 0]);
  // dst 1 → src 1.5·(2/3) − 0.5 = 0.5.
  assert.deepEqual([taps[1]!.start, ...taps[1]!.weights], [0, 0.5, 0.5]);
  // last → src 95.5·(2/3) − 0.5 = 63.1667 ≥ 63 → edge pixel only.
  assert.equal(taps[95]!.start, 63);
  assert.deepEqual([...taps[95]!.weights], [1]);
});

test('antialiased taps: a triangle of half-width 1024/384, normalised, centred on the output pixel', () => {
  const taps = antialiasedBilinearTaps(1024, 384);
  for (const t of taps) assert.ok(Math.abs(t.weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  // Output 10: centre 8/3·10.5 = 28, support 8/3 → inputs 25..30 (trunc(25.83)=25, trunc(31.17)=31 exclusive).
  const t = taps[10]!;
  assert.equal(t.start, 25);
  assert.equal(t.weights.length, 6);
  // Input j sits at j + 0.5; weight ∝ 1 − |j + 0.5 − 28|·3/8, symmetric about 27.5.
  const raw = [25, 26, 27, 28, 29, 30].map((j) => Math.max(0, 1 - Math.abs(j + 0.5 - 28) * 3 / 8));
  const sum = raw.reduce((a, b) => a + b, 0);
  raw.forEach((w, i) => assert.ok(Math.abs(t.weights[i]! - w / sum) < 1e-12));
  // First output is cut at the image edge and renormalised.
  assert.equal(taps[0]!.start, 0);
});

test('window partition pads 64 → 70 with zeros and crops back', () => {
  const g = 64;
  const ws = 14;
  const x = new Float32Array(g * g).map((_, i) => i + 1);
  let windows = 0;
  let paddedZeros = 0;
  const out = windowedAttention(x, g, 1, ws, (win) => {
    windows++;
    paddedZeros += win.filter((v) => v === 0).length;
    return win.map((v) => v * 2);
  });
  assert.equal(windows, 25);
  // 70² − 64² padded positions, all zero.
  assert.equal(paddedZeros, 70 * 70 - 64 * 64);
  assert.deepEqual(out, x.map((v) => v * 2));
});
