// decoder.onnx: the LLaMA language model from input embeddings to logits with an in-place KV cache
// (reference §5, §10.5 item 3). Exact I/O: docs/model-builder.md, section "Decoder I/O".
import type { BuildContext } from '../../build-context.js';
import type { TextConfig } from '../config.js';
import { attr, type Graph } from '../../onnx/graph.js';
import { cast, rmsNorm, sub } from '../../onnx/ops.js';
import { llamaLayer, type LayerInputs } from './llama-layer.js';
import { namedOutput } from './graph-io.js';
import { decoderIo, textWeights } from './names.js';
import { addRotaryCaches } from './rotary.js';

export function buildDecoder(ctx: BuildContext): void {
  const g = ctx.graph;
  const t = ctx.config.text;
  checkTextConfig(t);
  let h = g.input(decoderIo.inputsEmbeds, 'float32', ['batch_size', 'sequence_length', t.hiddenSize]);
  const mask = g.input(decoderIo.attentionMask, 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input(decoderIo.positionIds, 'int64', ['batch_size', 'sequence_length']);
  const keep = g.input(decoderIo.numLogitsToKeep, 'int64', []);
  const io: LayerInputs = {
    positionIds,
    rotary: addRotaryCaches(g, t.headDim, t.ropeTheta, t.maxPositionEmbeddings),
    ...sequenceLengths(g, mask),
  };
  for (let i = 0; i < t.numLayers; i++) {
    h = llamaLayer(ctx, h, i, io);
    ctx.progress(`${textWeights.layer(i)}.*`);
  }
  h = rmsNorm(g, lastPositions(g, h, keep), ctx.weight(textWeights.finalNorm, [t.hiddenSize]), t.rmsNormEps);
  const logits = ctx.linear(h, textWeights.lmHead, t.hiddenSize, t.vocabSize);
  namedOutput(g, logits, decoderIo.logits, 'float32', ['batch_size', 'logits_length', t.vocabSize]);
  ctx.progress(textWeights.lmHead);
}

/** GroupQueryAttention's limits, reported against the config rather than as an onnxruntime error at load. */
function checkTextConfig(t: TextConfig): void {
  if (t.headDim % 8 !== 0) throw new Error(`language config: head_dim ${t.headDim} must be a multiple of 8 for GroupQueryAttention`);
  if (t.numHeads % t.numKvHeads !== 0) {
    throw new Error(`language config: num_attention_heads ${t.numHeads} must be a multiple of num_key_value_heads ${t.numKvHeads}`);
  }
}

/**
 * seqlens_k = Σ attention_mask − 1 (int32 [B]) and total_sequence_length = attention_mask's
 * length (int32 scalar), the two GroupQueryAttention inputs that locate the new positions in
 * the shared KV buffer. The mask must be all ones (no padding) for batch 1, which is what the runtime feeds.
 */
function sequenceLengths(g: Graph, mask: string): Pick<LayerInputs, 'seqlensK' | 'totalSequenceLength'> {
  const valid = g.op('ReduceSum', [mask, g.constInt64([1], 'axis1')], { keepdims: attr.int(0) });
  const seqlensK = cast(g, sub(g, valid, g.constInt64([1], 'one')), 'int32');
  const total = g.op('Shape', [mask], { start: attr.int(1), end: attr.int(2) });
  const totalScalar = g.op('Reshape', [cast(g, total, 'int32'), g.constInt64([], 'scalar_shape')]);
  return { seqlensK, totalSequenceLength: totalScalar };
}

/**
 * Keeps the last `keep` positions of h [B, T, d] (all of them when keep is 0, as in transformers'
 * num_logits_to_keep): prefill needs only the last row, and 600 × 102400 logits would be 246 MB.
 */
function lastPositions(g: Graph, h: string, keep: string): string {
  const start = g.op('Neg', [g.op('Reshape', [keep, g.constInt64([1], 'shape1')])]);
  return g.op('Slice', [h, start, g.constInt64([Number.MAX_SAFE_INTEGER], 'end'), g.constInt64([1], 'axis1')]);
}
