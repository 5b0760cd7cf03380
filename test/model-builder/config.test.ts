// config.json parsing: the generated (HF-layout) configs of both variants and sizes, LLaMA defaults
// for the sparse 7B language_config, and one clear error per bad value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeepseekVlConfig } from '../../src/model-builder/deepseek-vl/config.js';
import { configJson } from '../../tools/checkpoint-gen/layout.js';

test('the full 7B config fills LLaMA defaults and the hybrid towers from the model_name table', () => {
  const c = parseDeepseekVlConfig(configJson('7b', 'full', 'float16'), 'config.json');
  assert.equal(c.variant, 'hybrid');
  assert.deepEqual(c.text, {
    hiddenSize: 4096,
    intermediateSize: 11008,
    numLayers: 30,
    numHeads: 32,
    numKvHeads: 32,
    headDim: 128,
    vocabSize: 102400,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositionEmbeddings: 16384,
  });
  assert.equal(c.sam?.width, 768);
  assert.deepEqual(c.sam?.globalAttnIndexes, [2, 5, 8, 11]);
  assert.deepEqual(c.sam?.pixelMean, [0.48145466, 0.4578275, 0.40821073]);
  assert.equal(c.siglip.layers, 24);
  assert.deepEqual(c.siglip.pixelStd, [0.5, 0.5, 0.5]);
  assert.deepEqual(c.aligner, { type: 'low_high_hybrid_split_mlp_gelu', depth: 2, inputDim: 1024, nEmbed: 4096 });
  assert.equal(c.siglipPrefix, 'vision_model.vision_tower_low.vision_tower.');
  assert.equal(c.samPrefix, 'vision_model.vision_tower_high.vision_tower.');
});

test('the 1.3B config is SigLIP-only with no in-model normalisation when pixel_mean is absent', () => {
  const c = parseDeepseekVlConfig(configJson('1.3b', 'full', 'bfloat16'), 'config.json');
  assert.equal(c.variant, 'siglip');
  assert.equal(c.sam, null);
  assert.equal(c.samPrefix, null);
  assert.equal(c.siglip.pixelMean, null);
  assert.equal(c.text.hiddenSize, 2048);
  assert.equal(c.text.headDim, 128);
  assert.equal(c.siglipPrefix, 'vision_model.vision_tower.');
});

test('tiny configs resolve the test-only tower names', () => {
  const c = parseDeepseekVlConfig(configJson('7b', 'tiny', 'bfloat16'), 'config.json');
  assert.equal(c.siglip.width, 64);
  assert.equal(c.sam?.downsampleChannels[1], 64);
  assert.equal(c.text.headDim, 16);
});

function withChange(mutate: (c: any) => void): unknown {
  const c = structuredClone(configJson('7b', 'full', 'float16')) as any;
  mutate(c);
  return c;
}

test('an unknown model_name names the key, the file and the known values', () => {
  const bad = withChange((c) => (c.vision_config.params.low_res_cfg.model_name = 'siglip_huge_patch14_224'));
  assert.throws(
    () => parseDeepseekVlConfig(bad, '/ckpt/config.json'),
    /\/ckpt\/config\.json: key "vision_config\.params\.low_res_cfg\.model_name": unknown model_name "siglip_huge_patch14_224"; known values: siglip_large_patch16_384, sightline_tiny_siglip/,
  );
});

test('an unknown projector_type, a wrong type for the tower, and unsupported LLaMA options are each refused by key', () => {
  assert.throws(
    () => parseDeepseekVlConfig(withChange((c) => (c.aligner_config.params.projector_type = 'linear')), 'config.json'),
    /key "aligner_config\.params\.projector_type".*"mlp_gelu".*found "linear"/,
  );
  assert.throws(
    () => parseDeepseekVlConfig(withChange((c) => (c.aligner_config.params.projector_type = 'mlp_gelu')), 'config.json'),
    /HybridVisionTower needs "low_high_hybrid_split_mlp_gelu", found "mlp_gelu"/,
  );
  assert.throws(
    () => parseDeepseekVlConfig(withChange((c) => (c.language_config.rope_scaling = { type: 'linear', factor: 2 })), 'config.json'),
    /key "language_config\.rope_scaling"/,
  );
  assert.throws(
    () => parseDeepseekVlConfig(withChange((c) => (c.vision_config.cls = 'SamTower')), 'config.json'),
    /key "vision_config\.cls".*found "SamTower"/,
  );
  assert.throws(() => parseDeepseekVlConfig(withChange((c) => delete c.language_config), 'config.json'), /key "language_config".*found missing/);
});
