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

/** Largest difference between two rows, relative to the larger magnitude (at least 1). */
function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!), Math.abs(b[i]!)));
  return worst;
}

test('a decode step writes its keys and values into the same pre-allocated buffers, leaving earlier positions untouched', async () => {
  const session = await DecoderSession.open({ modelDir, maxLength: 12, threads: 1 });
  const { numLayers, numKvHeads, headDim, maxLength } = session.cache.layout;
  const keys = [...session.cache.keys];
  const values = [...session.cache.values];
  await session.prefill([100000, 5, 6, 7]);
  const keysBefore = keys.map((k) => Float32Array.from(k));
  const valuesBefore = values.map((v) => Float32Array.from(v));
  for (const [name, bufs] of [['keys', keys], ['values', values]] as const) {
    assert.ok(positionRow(bufs[0]!, 0, 3, maxLength, headDim).some((x) => x !== 0), `prefill filled ${name} position 3`);
    assert.ok(positionRow(bufs[0]!, 0, 4, maxLength, headDim).every((x) => x === 0), `${name} position 4 still empty`);
  }

  await session.step(42);
  for (let i = 0; i < numLayers; i++) {
    assert.equal(session.cache.keys[i], keys[i], `layer ${i} key buffer is the same object`);
    assert.equal(session.cache.values[i], values[i], `layer ${i} value buffer is the same object`);
    for (let h = 0; h < numKvHeads; h++) {
      for (const [name, bufs, before] of [['keys', keys, keysBefore], ['values', values, valuesBefore]] as const) {
        assert.ok(positionRow(bufs[i]!, h, 4, maxLength, headDim).some((x) => x !== 0), `layer ${i} head ${h}: step wrote ${name} position 4 in place`);
        assert.ok(positionRow(bufs[i]!, h, 5, maxLength, headDim).every((x) => x === 0), `layer ${i} head ${h}: ${name} position 5 untouched`);
        for (let pos = 0; pos < 4; pos++) {
          assert.deepEqual(positionRow(bufs[i]!, h, pos, maxLength, headDim), positionRow(before[i]!, h, pos, maxLength, headDim), `layer ${i} head ${h}: ${name} position ${pos} kept`);
        }
      }
    }
  }

  // What was written in place is what the model computes: one prefill of all five tokens fills the
  // same keys and values (K and V of a position depend only on the tokens up to it).
  const whole = await DecoderSession.open({ modelDir, maxLength: 12, threads: 1 });
  await whole.prefill([100000, 5, 6, 7, 42]);
  for (let i = 0; i < numLayers; i++) {
    for (let h = 0; h < numKvHeads; h++) {
      for (let pos = 0; pos < 5; pos++) {
        const k = maxDiff(positionRow(keys[i]!, h, pos, maxLength, headDim), positionRow(whole.cache.keys[i]!, h, pos, maxLength, headDim));
        const v = maxDiff(positionRow(values[i]!, h, pos, maxLength, headDim), positionRow(whole.cache.values[i]!, h, pos, maxLength, headDim));
        assert.ok(k < 1e-4, `layer ${i} head ${h} position ${pos}: keys differ by ${k}`);
        assert.ok(v < 1e-4, `layer ${i} head ${h} position ${pos}: values differ by ${v}`);
      }
    }
  }
  await whole.release();
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
