// The 7B hybrid vision encoder (SAM-B + SigLIP + low_high_hybrid_split_mlp_gelu) built from a tiny
// generated checkpoint, each part and the whole against the plain-TypeScript reference.
// Relative error throughout: max|onnx − ref| / max|ref| over the whole output tensor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCheckpoint } from '../../src/model-builder/safetensors.js';
import { visionEncoderForward } from '../reference/deepseek-vl/vision/vision-encoder.js';
import { maxAbsDiff, randomValues, referenceWeights, relativeError, runOne, tinyVisionCheckpoint, visionSession } from './vision-fixture.js';

const TOL = 1e-4;
const S = 1024;
const checkpointDir = await tinyVisionCheckpoint('7b');
const checkpoint = openCheckpoint(checkpointDir);
const config = checkpoint.config;
const pixels = randomValues(3 * S * S, 101);
// One reference pass (SAM attends globally over 4096 tokens in plain loops: seconds), shared by all tests.
const ref = visionEncoderForward(referenceWeights(checkpoint), config, pixels, 1);
checkpoint.close();
const image = (data: Float32Array, n = 1) => ({ data, dims: [n, 3, Math.round(Math.sqrt(data.length / n / 3)), Math.round(Math.sqrt(data.length / n / 3))] });

test('SAM tower (windowed + global rel-pos attention, neck, sam_hd path) matches the reference', async (t) => {
  const got = await runOne(await visionSession(checkpointDir, 'sam'), { pixel_values: image(pixels) });
  const err = relativeError(got, ref.sam!);
  // The sam_hd path must carry weight in this checkpoint, or dropping it from the graph would pass.
  const hdShare = maxAbs(ref.samHd!) / maxAbs(ref.sam!);
  t.diagnostic(`SAM rel err ${err.toExponential(2)}; sam_hd path share of the output ${hdShare.toFixed(3)}`);
  assert.ok(hdShare > 100 * TOL, `sam_hd contributes only ${hdShare}: hd_alpha_downsamples too small to test the path`);
  assert.ok(err <= TOL, `SAM tower rel err ${err}`);
});

test('in-graph 1024→384 antialiased resize matches torchvision semantics, borders included', async (t) => {
  const got = await runOne(await visionSession(checkpointDir, 'resize'), { pixel_values: image(pixels) });
  const low = 384;
  let border = 0;
  for (let i = 0; i < got.length; i++) {
    const y = Math.floor(i / low) % low;
    const x = i % low;
    if (y < 2 || x < 2 || y >= low - 2 || x >= low - 2) border = Math.max(border, Math.abs(got[i]! - ref.lowRes[i]!));
  }
  const all = maxAbsDiff(got, ref.lowRes);
  t.diagnostic(`resize max abs diff ${all.toExponential(2)} (outer two rows/columns ${border.toExponential(2)})`);
  assert.ok(all < 1e-5, `resize max abs diff ${all}`);
});

test('SigLIP tower under the 7B prefix matches the reference on the resized image', async (t) => {
  const got = await runOne(await visionSession(checkpointDir, 'siglip'), { pixel_values: image(ref.lowRes) });
  const err = relativeError(got, ref.siglip);
  t.diagnostic(`SigLIP rel err ${err.toExponential(2)}`);
  assert.ok(err <= TOL, `SigLIP tower rel err ${err}`);
});

test('hybrid aligner (high_up ‖ low_up, GELU, layers.1) matches the reference', async (t) => {
  const dims = [1, 576, config.aligner.inputDim];
  const session = await visionSession(checkpointDir, 'aligner');
  const got = await runOne(session, { sam_features: { data: ref.sam!, dims }, siglip_features: { data: ref.siglip, dims } });
  const err = relativeError(got, ref.features);
  // Swapped inputs must not pass: the concat order (high first, §4) is part of what is checked.
  const swapped = relativeError(await runOne(session, { sam_features: { data: ref.siglip, dims }, siglip_features: { data: ref.sam!, dims } }), ref.features);
  t.diagnostic(`aligner rel err ${err.toExponential(2)} (inputs swapped: ${swapped.toExponential(2)})`);
  assert.ok(err <= TOL, `aligner rel err ${err}`);
  assert.ok(swapped > 100 * TOL);
});

test('full hybrid vision_encoder matches the reference, and batching does not mix images', async (t) => {
  const session = await visionSession(checkpointDir, 'encoder');
  assert.deepEqual(session.inputNames, ['pixel_values']);
  assert.deepEqual(session.outputNames, ['image_features']);
  const single = await runOne(session, { pixel_values: image(pixels) });
  const err = relativeError(single, ref.features);
  t.diagnostic(`vision_encoder rel err ${err.toExponential(2)}`);
  assert.ok(err <= TOL, `vision_encoder rel err ${err}`);

  const other = randomValues(3 * S * S, 202);
  const both = new Float32Array(2 * 3 * S * S);
  both.set(other);
  both.set(pixels, other.length);
  const batched = await runOne(session, { pixel_values: image(both, 2) });
  const otherAlone = await runOne(session, { pixel_values: image(other) });
  const per = single.length;
  assert.ok(relativeError(batched.subarray(0, per), otherAlone) < 1e-5, 'batch item 0 differs from its own run');
  assert.ok(relativeError(batched.subarray(per), single) < 1e-5, 'batch item 1 differs from its own run');
  assert.ok(relativeError(otherAlone, single) > 100 * TOL, 'two different images gave the same features');
});

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}
