// Self-checks of the plain-TS LLaMA reference that the decoder parity tests trust.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefKvCache, RefLlama, type RefTextConfig } from '../reference/deepseek-vl/text/llama.js';
import type { RefTensor, WeightSource } from '../reference/deepseek-vl/text/weights.js';

const cfg: RefTextConfig = {
  hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 8,
  vocabSize: 40, rmsNormEps: 1e-6, ropeTheta: 10000,
};

function randomWeights(seed: number): WeightSource {
  const cache = new Map<string, RefTensor>();
  return (name) => {
    const known = cache.get(name);
    if (known) return known;
    const { hiddenSize: d, intermediateSize: f, numHeads: nh, numKvHeads: nkv, headDim: hd, vocabSize: v } = cfg;
    const shape = name.endsWith('norm.weight') || name.endsWith('layernorm.weight') ? [d]
      : name.includes('q_proj') ? [nh * hd, d] : name.includes('k_proj') || name.includes('v_proj') ? [nkv * hd, d]
        : name.includes('o_proj') ? [d, nh * hd] : name.includes('down_proj') ? [d, f]
          : name.includes('gate_proj') || name.includes('up_proj') ? [f, d] : [v, d];
    let s = seed + name.length * 7919 + name.charCodeAt(name.length - 8);
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (shape.length === 1 ? 1 + 0.2 * rnd() : 0.4 * rnd()));
    const t = { shape, data };
    cache.set(name, t);
    return t;
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

test('reference: a prompt run at once gives the same logits as the same tokens fed one by one through the cache', () => {
  const model = new RefLlama(cfg, randomWeights(1));
  const ids = [3, 17, 5, 39, 0, 22];
  const all = model.forward(model.embedTokens(ids), ids.map((_, i) => i), new RefKvCache(cfg, 16), 0);
  const cache = new RefKvCache(cfg, 16);
  const first = model.forward(model.embedTokens(ids.slice(0, 3)), [0, 1, 2], cache, 0);
  assert.ok(maxAbsDiff(first, all.subarray(0, 3 * cfg.vocabSize)) < 1e-6);
  for (let t = 3; t < ids.length; t++) {
    const step = model.forward(model.embedTokens([ids[t]!]), [t], cache);
    assert.ok(maxAbsDiff(step, all.subarray(t * cfg.vocabSize, (t + 1) * cfg.vocabSize)) < 1e-6, `step ${t}`);
  }
  assert.equal(cache.length, ids.length);
});

test('reference: positions matter (RoPE) and a shifted sequence changes the logits', () => {
  const model = new RefLlama(cfg, randomWeights(2));
  const ids = [4, 9, 4];
  const at0 = model.forward(model.embedTokens(ids), [0, 1, 2], new RefKvCache(cfg, 8), 1);
  const at5 = model.forward(model.embedTokens(ids), [5, 6, 7], new RefKvCache(cfg, 8), 1);
  // RoPE depends only on relative position in q·k, so a uniform shift leaves attention unchanged …
  assert.ok(maxAbsDiff(at0, at5) < 1e-5);
  // … while a non-uniform change does not.
  const gapped = model.forward(model.embedTokens(ids), [0, 1, 7], new RefKvCache(cfg, 8), 1);
  assert.ok(maxAbsDiff(at0, gapped) > 1e-3);
});

test('reference: a tensor with the wrong shape is rejected by name', () => {
  const good = randomWeights(3);
  const bad: WeightSource = (name) => (name.endsWith('model.norm.weight') ? { shape: [7], data: new Float32Array(7) } : good(name));
  assert.throws(() => new RefLlama(cfg, bad), /language_model\.model\.norm\.weight has shape \[7\], expected \[32\]/);
});
