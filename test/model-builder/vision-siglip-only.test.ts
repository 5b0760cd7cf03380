// The 1.3B vision encoder (SigLIP only + mlp_gelu aligner) built from a tiny generated checkpoint,
// against the plain-TypeScript reference, on a batch of two images.
// Relative error: max|onnx − ref| / max|ref| over the whole output tensor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBuildContext } from '../../src/model-builder/build-context.js';
import { Graph } from '../../src/model-builder/onnx/graph.js';
import { openCheckpoint } from '../../src/model-builder/safetensors.js';
import { buildSamTower } from '../../src/model-builder/deepseek-vl/vision/vision-encoder.js';
import { visionEncoderForward } from '../reference/deepseek-vl/vision/vision-encoder.js';
import { randomValues, referenceWeights, relativeError, runOne, tinyVisionCheckpoint, visionSession } from './vision-fixture.js';

const TOL = 1e-4;
const S = 384;
const N = 2;
const checkpointDir = await tinyVisionCheckpoint('1.3b');
const checkpoint = openCheckpoint(checkpointDir);
const config = checkpoint.config;
const pixels = randomValues(N * 3 * S * S, 303);
const ref = visionEncoderForward(referenceWeights(checkpoint), config, pixels, N);
checkpoint.close();

test('1.3B config: SigLIP-only variant under the vision_model.vision_tower. prefix', () => {
  assert.equal(config.variant, 'siglip');
  assert.equal(config.siglipPrefix, 'vision_model.vision_tower.');
  assert.equal(config.aligner.type, 'mlp_gelu');
});

test('SigLIP tower matches the reference (batch of 2)', async (t) => {
  const got = await runOne(await visionSession(checkpointDir, 'siglip'), { pixel_values: { data: pixels, dims: [N, 3, S, S] } });
  const err = relativeError(got, ref.siglip);
  t.diagnostic(`SigLIP rel err ${err.toExponential(2)}`);
  assert.ok(err <= TOL, `SigLIP rel err ${err}`);
});

test('mlp_gelu aligner (layers.0, GELU, layers.2) matches the reference', async (t) => {
  const got = await runOne(await visionSession(checkpointDir, 'aligner'), { siglip_features: { data: ref.siglip, dims: [N, 576, config.aligner.inputDim] } });
  const err = relativeError(got, ref.features);
  t.diagnostic(`aligner rel err ${err.toExponential(2)}`);
  assert.ok(err <= TOL, `aligner rel err ${err}`);
});

test('full 1.3B vision_encoder matches the reference (batch of 2)', async (t) => {
  const session = await visionSession(checkpointDir, 'encoder');
  const got = await runOne(session, { pixel_values: { data: pixels, dims: [N, 3, S, S] } });
  assert.equal(got.length, N * 576 * config.aligner.nEmbed);
  const err = relativeError(got, ref.features);
  t.diagnostic(`vision_encoder rel err ${err.toExponential(2)}`);
  assert.ok(err <= TOL, `vision_encoder rel err ${err}`);
});

test('asking for the SAM tower of a SigLIP-only checkpoint is one clear error', () => {
  const reopened = openCheckpoint(checkpointDir);
  try {
    const graph = new Graph('sam');
    assert.throws(() => buildSamTower(createBuildContext({ checkpoint: reopened, graph, dtype: 'fp32' })), /variant siglip has no SAM \(high-resolution\) tower/);
  } finally {
    reopened.close();
  }
});
