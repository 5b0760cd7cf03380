// fp16 and int4 vision encoders against the fp32 one on the same tiny checkpoints. Their distance is
// a property of the random weights as much as of the build, so it is reported, with only a loose
// sanity bound. The checkpoints here are float32: from a bf16 checkpoint (the generator's default,
// like the real ones) fp16 storage is exact, since every bf16 value in fp16's normal range is an
// fp16 value. Tensors under 65536 elements stay float32 at every dtype, so in tiny models fp16 moves
// only the SAM positional table (64·64·32); int4 quantises every Linear.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedCheckpoint } from '../../tools/checkpoint-gen/generate.js';
import { randomValues, relativeError, runOne, visionSession, type Variant } from './vision-fixture.js';

const BOUNDS = { fp16: 0.02, int4: 0.5 } as const;

for (const [variant, size] of [['7b', 1024], ['1.3b', 384]] as Array<[Variant, number]>) {
  test(`${variant}: fp16 and int4 vision features stay near fp32 (distances reported)`, async (t) => {
    const checkpointDir = await cachedCheckpoint(variant, 'tiny', { seed: 23, dtype: 'f32' });
    const feeds = { pixel_values: { data: randomValues(3 * size * size, 404), dims: [1, 3, size, size] } };
    const fp32 = await runOne(await visionSession(checkpointDir, 'encoder', 'fp32'), feeds);
    for (const dtype of ['fp16', 'int4'] as const) {
      const got = await runOne(await visionSession(checkpointDir, 'encoder', dtype), feeds);
      const err = relativeError(got, fp32);
      t.diagnostic(`${variant} ${dtype} vs fp32 image_features rel err ${err.toExponential(2)}`);
      assert.ok(Number.isFinite(err) && err < BOUNDS[dtype], `${dtype} rel err ${err} ≥ ${BOUNDS[dtype]}`);
      const changesWeights = dtype === 'int4' || variant === '7b';
      if (changesWeights) assert.ok(err > 0, `${dtype} features are bit-identical to fp32: the dtype was not applied`);
    }
  });
}
