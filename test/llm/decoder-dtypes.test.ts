// fp16 and int4 decoders against fp32 on the same tiny checkpoint. Their distance is a property of
// the random weights as much as of the build, so it is reported, with only a loose sanity bound.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DecoderSession } from '../../src/llm/decoder-session.js';
import { buildTextModelsTmp, relativeError, removeBuiltModels } from './text-model-fixture.js';
import { cachedCheckpoint } from '../../tools/checkpoint-gen/generate.js';

after(removeBuiltModels);

const PROMPT = [100000, 57, 3021, 100015, 88, 12];
const STEP_TOKENS = [7, 4242, 100001, 9];

async function run(modelDir: string): Promise<Float32Array[]> {
  const session = await DecoderSession.open({ modelDir, maxLength: 16, threads: 1 });
  const out = [await session.prefill(PROMPT)];
  for (const id of STEP_TOKENS) out.push(await session.step(id));
  await session.release();
  return out;
}

test('fp16 and int4 decoders stay near fp32 (distances reported)', async (t) => {
  // float32 weights: bf16 ones would mostly be exact in fp16 and hide its rounding.
  const checkpointDir = await cachedCheckpoint('1.3b', 'tiny', { dtype: 'f32' });
  const fp32 = await run(buildTextModelsTmp(checkpointDir, 'fp32'));
  for (const [dtype, bound] of [['fp16', 0.02], ['int4', 0.5]] as const) {
    const got = await run(buildTextModelsTmp(checkpointDir, dtype));
    const errs = got.map((logits, i) => relativeError(logits, fp32[i]!));
    t.diagnostic(`${dtype} vs fp32 logits rel err: prefill ${errs[0]!.toExponential(2)}, steps ${errs.slice(1).map((e) => e.toExponential(2)).join(' ')}`);
    for (const e of errs) assert.ok(Number.isFinite(e) && e < bound, `${dtype} rel err ${e} ≥ ${bound}`);
    assert.ok(errs.some((e) => e > 0), `${dtype} logits are bit-identical to fp32: the dtype was not applied`);
  }
});
