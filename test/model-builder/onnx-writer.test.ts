// The ONNX writer against a real onnxruntime-node session: inline and external-data initializers,
// symbolic dims, attributes, and a com.microsoft contrib op all load and compute the right numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { Graph } from '../../src/model-builder/onnx/graph.js';
import { saveModel } from '../../src/model-builder/onnx/writer.js';
import * as ops from '../../src/model-builder/onnx/ops.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/model-builder/onnx/float16.js';

function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

const erf = (x: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse for 1e-5; integrate the series instead.
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

test('a graph with external weights, LayerNorm and com.microsoft Gelu runs in onnxruntime with the expected numbers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-writer-'));
  try {
    const K = 4;
    const N = 300;
    const g = new Graph('mlp', { externalDataFile: join(dir, 'mlp.onnx.data') });
    const x = g.input('x', 'float32', ['batch', K]);
    const w = seeded(K * N, 1);
    const b = seeded(N, 2);
    const wName = g.initializer('layer.weight', { dtype: 'float32', dims: [K, N], data: w });
    const bName = g.initializer('layer.bias', { dtype: 'float32', dims: [N], data: b });
    const h = g.scope('layer', () => ops.gelu(g, ops.add(g, ops.matmul(g, x, wName), bName)));
    const ones = g.constFloat(new Array(N).fill(1));
    const zeros = g.constFloat(new Array(N).fill(0));
    const y = ops.layerNorm(g, h, ones, zeros, 1e-6);
    g.output(y, 'float32', ['batch', N]);
    g.output(h, 'float32', ['batch', N]);
    const { bytes } = saveModel(g, join(dir, 'mlp.onnx'));

    assert.ok(statSync(join(dir, 'mlp.onnx.data')).size >= K * N * 4, 'the weight went to the external data file');
    assert.ok(statSync(join(dir, 'mlp.onnx')).size < K * N * 4, 'the .onnx file does not hold the weight');
    assert.equal(bytes, statSync(join(dir, 'mlp.onnx')).size + statSync(join(dir, 'mlp.onnx.data')).size);

    const session = await ort.InferenceSession.create(join(dir, 'mlp.onnx'));
    const xs = seeded(2 * K, 3);
    const out = await session.run({ x: new ort.Tensor('float32', xs, [2, K]) });
    const got = out[h]!.data as Float32Array;
    const normed = out[y]!.data as Float32Array;
    for (let r = 0; r < 2; r++) {
      const row: number[] = [];
      for (let j = 0; j < N; j++) {
        let acc = b[j]!;
        for (let k = 0; k < K; k++) acc += xs[r * K + k]! * w[k * N + j]!;
        const gelu = 0.5 * acc * (1 + erf(acc / Math.SQRT2));
        row.push(gelu);
        assert.ok(Math.abs(got[r * N + j]! - gelu) < 1e-5, `gelu row ${r} col ${j}: ${got[r * N + j]} vs ${gelu}`);
      }
      const mean = row.reduce((a, v) => a + v, 0) / N;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / N;
      for (let j = 0; j < N; j++) {
        const want = (row[j]! - mean) / Math.sqrt(variance + 1e-6);
        assert.ok(Math.abs(normed[r * N + j]! - want) < 1e-4, `layernorm row ${r} col ${j}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reshape, transpose, slice, concat, split, gather, cast and RMSNorm compute as ONNX defines them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-writer-'));
  try {
    const g = new Graph('shapes');
    const x = g.input('x', 'float32', [2, 3, 4]);
    const ids = g.input('ids', 'int64', ['n']);
    const t = ops.transpose(g, x, [0, 2, 1]); // [2,4,3]
    const r = ops.reshape(g, t, [0, -1]); // [2,12]
    const [a, c] = ops.split(g, r, [5, 7], 1);
    const cat = ops.concat(g, [c!, a!], 1); // [2,12] rotated
    const sl = ops.slice(g, cat, [1], [3], [1]); // [2,2]
    const rows = ops.gather(g, x, ids, 1); // [2,n,4]
    const scale = g.constFloat([1, 2, 3, 4]);
    const rms = ops.rmsNorm(g, x, scale, 1e-6);
    const half = ops.cast(g, ops.cast(g, x, 'float16'), 'float32');
    g.output(sl, 'float32', [2, 2]);
    g.output(rows, 'float32', [2, 'n', 4]);
    g.output(rms, 'float32', [2, 3, 4]);
    g.output(half, 'float32', [2, 3, 4]);
    saveModel(g, join(dir, 'shapes.onnx'));
    const session = await ort.InferenceSession.create(join(dir, 'shapes.onnx'));
    const xs = Float32Array.from({ length: 24 }, (_, i) => i + 0.1);
    const out = await session.run({ x: new ort.Tensor('float32', xs, [2, 3, 4]), ids: new ort.Tensor('int64', BigInt64Array.from([2n, 0n]), [2]) });
    // transposed row 0: x[0,:,k] for k=0..3 → [0,4,8, 1,5,9, 2,6,10, 3,7,11]; rotated by 5 → starts at index 5.
    assert.deepEqual(Array.from(out[sl]!.data as Float32Array, (v) => Math.round(v * 10) / 10), [2.1, 6.1, 14.1, 18.1]);
    assert.deepEqual(out[rows]!.dims, [2, 2, 4]);
    assert.equal((out[rows]!.data as Float32Array)[0], xs[8]);
    const rmsOut = out[rms]!.data as Float32Array;
    const row0 = Array.from(xs.subarray(0, 4));
    const ms = Math.sqrt(row0.reduce((s, v) => s + v * v, 0) / 4 + 1e-6);
    row0.forEach((v, i) => assert.ok(Math.abs(rmsOut[i]! - (v / ms) * (i + 1)) < 1e-5));
    const halfOut = out[half]!.data as Float32Array;
    const ours = float16BitsToFloat32(float32ToFloat16Bits(xs));
    assert.deepEqual(Array.from(halfOut), Array.from(ours), 'our float16 rounding matches onnxruntime Cast');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a duplicate value name is refused with the name in the message', () => {
  const g = new Graph('dup');
  g.input('x', 'float32', [1]);
  assert.throws(() => g.input('x', 'float32', [1]), /"x" is used twice/);
});

test('float16 rounding matches onnxruntime Cast on ties, subnormals, overflow and specials', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-writer-'));
  try {
    const values = [
      1, -1, 0, -0, 65504, 65519.99, 65520, 1e6, -1e6, Infinity, -Infinity, 2 ** -14, 2 ** -24, 2 ** -25, 2 ** -25 * 1.0001, 3 * 2 ** -26, 1e-8, 1e-10,
      1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, -0.3333333, 12345.678, 2 ** -15 + 2 ** -26,
    ];
    const g = new Graph('cast');
    const x = g.input('x', 'float32', [values.length]);
    const h = ops.cast(g, x, 'float16');
    g.output(h, 'float16', [values.length]);
    saveModel(g, join(dir, 'cast.onnx'));
    const session = await ort.InferenceSession.create(join(dir, 'cast.onnx'));
    const input = Float32Array.from(values);
    const out = await session.run({ x: new ort.Tensor('float32', input, [values.length]) });
    const theirs = Array.from(out[h]!.data as Uint16Array);
    const ours = Array.from(float32ToFloat16Bits(input));
    values.forEach((v, i) => assert.equal(ours[i], theirs[i], `float16 bits of ${v}: ours 0x${ours[i]!.toString(16)}, onnxruntime 0x${theirs[i]!.toString(16)}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('conv2d with stride and padding, pad, unsqueeze/squeeze and softmax compute as defined', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-writer-'));
  try {
    const g = new Graph('conv');
    const x = g.input('x', 'float32', [1, 1, 4, 4]);
    const w = g.initializer('w', { dtype: 'float32', dims: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => (i < 9 ? 1 : i === 13 ? 1 : 0)) });
    const b = g.initializer('b', { dtype: 'float32', dims: [2], data: Float32Array.of(0.5, 0) });
    const y = ops.conv2d(g, x, w, b, { kernel: 3, stride: 2, pad: 1 }); // [1,2,2,2]
    const padded = ops.pad(g, x, [0, 0, 1, 0, 0, 0, 0, 1]); // [1,1,5,5]
    const sq = ops.squeeze(g, ops.unsqueeze(g, x, [0]), [0]);
    const sm = ops.softmax(g, ops.reshape(g, x, [4, 4]), 1);
    g.output(y, 'float32', [1, 2, 2, 2]);
    g.output(padded, 'float32', [1, 1, 5, 5]);
    g.output(sq, 'float32', [1, 1, 4, 4]);
    g.output(sm, 'float32', [4, 4]);
    saveModel(g, join(dir, 'conv.onnx'));
    const session = await ort.InferenceSession.create(join(dir, 'conv.onnx'));
    const xs = Float32Array.from({ length: 16 }, (_, i) => i);
    const out = await session.run({ x: new ort.Tensor('float32', xs, [1, 1, 4, 4]) });
    // Channel 0 sums the 3×3 window (zero padded) + 0.5; channel 1 picks the centre tap.
    const at = (r: number, c: number): number => (r < 0 || c < 0 || r > 3 || c > 3 ? 0 : xs[r * 4 + c]!);
    const want: number[] = [];
    for (const ch of [0, 1]) for (const r of [0, 2]) for (const c of [0, 2]) {
      let s = ch === 0 ? 0.5 : 0;
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) if (ch === 0 || (dr === 0 && dc === 0)) s += at(r + dr, c + dc);
      want.push(s);
    }
    assert.deepEqual(Array.from(out[y]!.data as Float32Array), want);
    const p = out[padded]!.data as Float32Array;
    assert.deepEqual(Array.from(p.subarray(0, 5)), [0, 0, 0, 0, 0], 'one zero row on top');
    assert.deepEqual(Array.from(p.subarray(5, 10)), [0, 1, 2, 3, 0], 'one zero column at the right');
    assert.deepEqual(Array.from(out[sq]!.data as Float32Array), Array.from(xs));
    const row = Array.from((out[sm]!.data as Float32Array).subarray(0, 4));
    const z = [0, 1, 2, 3].reduce((a, v) => a + Math.exp(v), 0);
    row.forEach((v, i) => assert.ok(Math.abs(v - Math.exp(i) / z) < 1e-6));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** PIL / torchvision antialiased bilinear (triangle filter widened by the scale, taps outside dropped). */
function antialiasedResize1d(src: number[], out: number): number[] {
  const scale = src.length / out;
  const support = Math.max(scale, 1);
  return Array.from({ length: out }, (_, i) => {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(src.length, Math.floor(centre + support + 0.5));
    let acc = 0;
    let norm = 0;
    for (let j = lo; j < hi; j++) {
      const w = Math.max(0, 1 - Math.abs((j - centre + 0.5) / support));
      acc += w * src[j]!;
      norm += w;
    }
    return acc / norm;
  });
}

test('antialiased resizeBilinear downscales like PIL/torchvision, edges included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-writer-'));
  try {
    const src = [3, -1, 4, 1, -5, 9, 2, -6, 5, 3, 5, -8, 9, 7, 9, 3];
    const g = new Graph('resize');
    const x = g.input('x', 'float32', [1, 1, 1, src.length]);
    const y = ops.resizeBilinear(g, x, 1, 6, { antialias: true });
    g.output(y, 'float32', [1, 1, 1, 6]);
    saveModel(g, join(dir, 'resize.onnx'));
    const session = await ort.InferenceSession.create(join(dir, 'resize.onnx'));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(src), [1, 1, 1, src.length]) });
    const got = Array.from(out[y]!.data as Float32Array);
    antialiasedResize1d(src, 6).forEach((v, i) => assert.ok(Math.abs(got[i]! - v) < 1e-5, `output ${i}: ${got[i]} vs ${v}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
