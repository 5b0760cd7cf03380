// embed_tokens.onnx + decoder.onnx (built from tiny generated checkpoints of both variants) against
// the plain-TS reference: embeddings, prefill logits and cached single-token decode (reference §5).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { argmax, DecoderSession } from '../../src/llm/decoder-session.js';
import { RefKvCache } from '../reference/deepseek-vl/text/llama.js';
import { buildTextModelsTmp, referenceModel, relativeError, removeBuiltModels } from './text-model-fixture.js';
import { tinyCheckpoint, type Variant } from '../../tools/checkpoint-gen/generate.js';

after(removeBuiltModels);

const PROMPT = [100000, 57, 3021, 100015, 100015, 88, 12, 99999, 5];
const STEPS = 8;
const MAX_LENGTH = 32;
const FP32_TOLERANCE = 1e-4;

for (const variant of ['1.3b', '7b'] as Variant[]) {
  describe(`text model, tiny ${variant} checkpoint`, () => {
    test('fp32 ONNX matches the reference: embeddings, prefill logits, 8 cached decode steps', async (t) => {
      const checkpointDir = await tinyCheckpoint(variant);
      const session = await DecoderSession.open({ modelDir: buildTextModelsTmp(checkpointDir, 'fp32'), maxLength: MAX_LENGTH, threads: 1 });
      const { model, checkpoint } = referenceModel(checkpointDir);
      const cfg = checkpoint.config.text;
      checkpoint.close();

      const embeds = await session.embed(PROMPT);
      const refEmbeds = model.embedTokens(PROMPT);
      assert.equal(relativeError(embeds, refEmbeds), 0, 'embedding rows are copied exactly');

      const refCache = new RefKvCache(cfg, MAX_LENGTH);
      const refPrefill = model.forward(refEmbeds, PROMPT.map((_, i) => i), refCache, 0);
      const prefill = await session.append(embeds, 0);
      assert.equal(prefill.length, PROMPT.length * cfg.vocabSize, 'num_logits_to_keep 0 returns every position');
      const prefillErr = relativeError(prefill, refPrefill);
      assert.ok(prefillErr <= FP32_TOLERANCE, `prefill logits rel err ${prefillErr}`);

      let next = argmax(refPrefill.subarray((PROMPT.length - 1) * cfg.vocabSize));
      const stepErrs: number[] = [];
      for (let s = 0; s < STEPS; s++) {
        const pos = PROMPT.length + s;
        const want = model.forward(model.embedTokens([next]), [pos], refCache);
        const got = await session.step(next);
        stepErrs.push(relativeError(got, want));
        // Both sides continue with the reference's greedy token, so a near-tie cannot fork them.
        next = argmax(want);
      }
      t.diagnostic(`rel err: prefill ${prefillErr.toExponential(2)}, steps max ${Math.max(...stepErrs).toExponential(2)}`);
      assert.ok(Math.max(...stepErrs) <= FP32_TOLERANCE, `step logits rel err ${stepErrs.join(', ')}`);
      assert.equal(session.cache.length, PROMPT.length + STEPS);

      // The ONNX cache holds the same keys/values as the reference cache, laid out the same way.
      for (let i = 0; i < cfg.numLayers; i++) {
        assert.ok(relativeError(session.cache.keys[i]!, refCache.keys[i]!) <= FP32_TOLERANCE, `layer ${i} keys`);
        assert.ok(relativeError(session.cache.values[i]!, refCache.values[i]!) <= FP32_TOLERANCE, `layer ${i} values`);
      }
      await session.release();
    });
  });
}

test('a multi-token chunk appended after cached positions (the next turn of a conversation) matches the reference', async () => {
  const checkpointDir = await tinyCheckpoint('1.3b');
  const session = await DecoderSession.open({ modelDir: buildTextModelsTmp(checkpointDir, 'fp32'), maxLength: MAX_LENGTH, threads: 1 });
  const { model, checkpoint } = referenceModel(checkpointDir);
  const refCache = new RefKvCache(checkpoint.config.text, MAX_LENGTH);
  checkpoint.close();
  let position = 0;
  for (const chunk of [PROMPT.slice(0, 5), [42], PROMPT.slice(5)]) {
    const want = model.forward(model.embedTokens(chunk), chunk.map((_, i) => position + i), refCache, 0);
    const got = await session.append(await session.embed(chunk), 0);
    const err = relativeError(got, want);
    assert.ok(err <= FP32_TOLERANCE, `chunk of ${chunk.length} at position ${position}: rel err ${err}`);
    position += chunk.length;
  }
  await session.release();
});
