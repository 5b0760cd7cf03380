// The decoder writes into the KvCache's own buffers: no per-token copy and no reallocation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DecoderSession } from '../../src/llm/decoder-session.js';
import { SightlineError } from '../../src/errors.js';
import { buildTextModelsTmp, removeBuiltModels } from './text-model-fixture.js';
import { tinyCheckpoint } from '../../tools/checkpoint-gen/generate.js';

after(removeBuiltModels);

let modelDir = '';
before(async () => {
  modelDir = buildTextModelsTmp(await tinyCheckpoint('1.3b'), 'fp32');
});

function positionRow(buf: Float32Array, head: number, pos: number, maxLength: number, headDim: number): Float32Array {
  const at = (head * maxLength + pos) * headDim;
  return buf.subarray(at, at + headDim);
}

test('a decode step writes its keys/values into the same pre-allocated buffers, leaving earlier positions untouched', async () => {
  const session = await DecoderSession.open({ modelDir, maxLength: 12, threads: 1 });
  const { numLayers, headDim, maxLength } = session.cache.layout;
  const keys = [...session.cache.keys];
  const values = [...session.cache.values];
  await session.prefill([100000, 5, 6, 7]);
  const before = keys.map((k) => Float32Array.from(k));
  assert.ok(positionRow(keys[0]!, 0, 3, maxLength, headDim).some((x) => x !== 0), 'prefill filled position 3');
  assert.ok(positionRow(keys[0]!, 0, 4, maxLength, headDim).every((x) => x === 0), 'position 4 still empty');

  await session.step(42);
  for (let i = 0; i < numLayers; i++) {
    assert.equal(session.cache.keys[i], keys[i], `layer ${i} key buffer is the same object`);
    assert.equal(session.cache.values[i], values[i], `layer ${i} value buffer is the same object`);
    assert.ok(positionRow(keys[i]!, 0, 4, maxLength, headDim).some((x) => x !== 0), `layer ${i}: step wrote position 4 in place`);
    assert.deepEqual(positionRow(keys[i]!, 0, 2, maxLength, headDim), positionRow(before[i]!, 0, 2, maxLength, headDim), `layer ${i}: position 2 kept`);
  }
  await session.release();
});

test('running past maxLength fails with a clear error and leaves the cache usable', async () => {
  const session = await DecoderSession.open({ modelDir, maxLength: 5, threads: 1 });
  await session.prefill([1, 2, 3, 4]);
  await session.step(5);
  await assert.rejects(session.step(6), /KV cache full: 5 positions held \+ 1 new exceeds maxLength 5/);
  session.reset();
  const logits = await session.prefill([1, 2]);
  assert.equal(session.cache.length, 2);
  assert.ok(logits.every(Number.isFinite));
  await session.release();
});

test('a folder without the built models is reported with what to do', async () => {
  await assert.rejects(DecoderSession.open({ modelDir: '/nonexistent/models', maxLength: 8 }), (err: SightlineError) =>
    err instanceof SightlineError && err.code === 'ERR_MODEL_MISSING' && err.file === '/nonexistent/models/embed_tokens.onnx' &&
    /\/nonexistent\/models\/embed_tokens\.onnx; build it with `sightline build-model/.test(err.sentence));
});
