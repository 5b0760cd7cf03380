// The contract the decoder is built on, checked on this onnxruntime-node by itself: a
// com.microsoft GroupQueryAttention node given the same buffer as past and (pre-allocated) present
// KV writes the new keys/values in place and matches plain causal attention (DESIGN.md "Execution").
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { attr, Graph } from '../../src/model-builder/onnx/graph.js';
import { saveModel } from '../../src/model-builder/onnx/writer.js';

const HEADS = 4;
const KV_HEADS = 2;
const HEAD = 16;
const MAX = 32;

async function gqaSession(): Promise<InferenceSession> {
  const g = new Graph('gqa');
  const q = g.input('q', 'float32', [1, 'T', HEADS * HEAD]);
  const k = g.input('k', 'float32', [1, 'T', KV_HEADS * HEAD]);
  const v = g.input('v', 'float32', [1, 'T', KV_HEADS * HEAD]);
  const pk = g.input('past_key', 'float32', [1, KV_HEADS, 'max', HEAD]);
  const pv = g.input('past_value', 'float32', [1, KV_HEADS, 'max', HEAD]);
  const seqlens = g.input('seqlens_k', 'int32', [1]);
  const total = g.input('total_sequence_length', 'int32', []);
  g.node('GroupQueryAttention', [q, k, v, pk, pv, seqlens, total], {
    outputs: ['out', 'present_key', 'present_value'],
    attrs: { num_heads: attr.int(HEADS), kv_num_heads: attr.int(KV_HEADS) },
    domain: 'com.microsoft',
  });
  g.output('out', 'float32', [1, 'T', HEADS * HEAD]);
  g.output('present_key', 'float32', [1, KV_HEADS, 'max', HEAD]);
  g.output('present_value', 'float32', [1, KV_HEADS, 'max', HEAD]);
  const dir = mkdtempSync(join(tmpdir(), 'sightline-gqa-'));
  try {
    saveModel(g, join(dir, 'gqa.onnx'));
    return await InferenceSession.create(join(dir, 'gqa.onnx'), { intraOpNumThreads: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}

/** Causal attention of query position t over keys 0…t; query head h reads kv head h / (HEADS/KV_HEADS). */
function plainAttention(qs: Float32Array[], ks: Float32Array[], vs: Float32Array[], t: number): Float32Array {
  const out = new Float32Array(HEADS * HEAD);
  for (let h = 0; h < HEADS; h++) {
    const kh = Math.floor(h / (HEADS / KV_HEADS));
    const scores = Array.from({ length: t + 1 }, (_, j) => {
      let s = 0;
      for (let x = 0; x < HEAD; x++) s += qs[t]![h * HEAD + x]! * ks[j]![kh * HEAD + x]!;
      return s / Math.sqrt(HEAD);
    });
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const z = e.reduce((a, b) => a + b);
    for (let j = 0; j <= t; j++) for (let x = 0; x < HEAD; x++) out[h * HEAD + x]! += (e[j]! / z) * vs[j]![kh * HEAD + x]!;
  }
  return out;
}

test('GroupQueryAttention updates a shared past/present KV buffer in place and matches plain attention', async () => {
  const session = await gqaSession();
  const rnd = seeded(7);
  const steps = 9;
  const vec = (n: number) => Float32Array.from({ length: n }, rnd);
  const qs = Array.from({ length: steps }, () => vec(HEADS * HEAD));
  const ks = Array.from({ length: steps }, () => vec(KV_HEADS * HEAD));
  const vs = Array.from({ length: steps }, () => vec(KV_HEADS * HEAD));
  const keyBuf = new Float32Array(KV_HEADS * MAX * HEAD);
  const valueBuf = new Float32Array(KV_HEADS * MAX * HEAD);
  const keyT = new Tensor('float32', keyBuf, [1, KV_HEADS, MAX, HEAD]);
  const valueT = new Tensor('float32', valueBuf, [1, KV_HEADS, MAX, HEAD]);
  const rows = (xs: Float32Array[], from: number, n: number) => {
    const r = new Float32Array(n * xs[0]!.length);
    for (let i = 0; i < n; i++) r.set(xs[from + i]!, i * xs[0]!.length);
    return r;
  };
  let maxErr = 0;
  // A 5-position prompt, then single-token steps.
  for (const [from, n] of [[0, 5], [5, 1], [6, 1], [7, 1], [8, 1]] as const) {
    const total = from + n;
    const out = await session.run({
      q: new Tensor('float32', rows(qs, from, n), [1, n, HEADS * HEAD]),
      k: new Tensor('float32', rows(ks, from, n), [1, n, KV_HEADS * HEAD]),
      v: new Tensor('float32', rows(vs, from, n), [1, n, KV_HEADS * HEAD]),
      past_key: keyT,
      past_value: valueT,
      seqlens_k: new Tensor('int32', Int32Array.of(total - 1), [1]),
      total_sequence_length: new Tensor('int32', Int32Array.of(total), []),
    }, { out: null, present_key: keyT, present_value: valueT });
    for (let i = 0; i < n; i++) {
      const want = plainAttention(qs, ks, vs, from + i);
      const got = (out.out!.data as Float32Array).subarray(i * HEADS * HEAD);
      for (let x = 0; x < want.length; x++) maxErr = Math.max(maxErr, Math.abs(want[x]! - got[x]!));
      for (let h = 0; h < KV_HEADS; h++) {
        const at = (h * MAX + from + i) * HEAD;
        assert.deepEqual(keyBuf.subarray(at, at + HEAD), ks[from + i]!.subarray(h * HEAD, (h + 1) * HEAD), `key ${from + i} head ${h} in place`);
        assert.deepEqual(valueBuf.subarray(at, at + HEAD), vs[from + i]!.subarray(h * HEAD, (h + 1) * HEAD), `value ${from + i} head ${h} in place`);
      }
    }
  }
  assert.ok(maxErr < 1e-6, `max |GQA − plain attention| = ${maxErr}`);
  // Nothing was written beyond the positions run.
  for (let h = 0; h < KV_HEADS; h++) assert.ok(keyBuf.subarray((h * MAX + steps) * HEAD, (h + 1) * MAX * HEAD).every((x) => x === 0));
  await session.release();
});
