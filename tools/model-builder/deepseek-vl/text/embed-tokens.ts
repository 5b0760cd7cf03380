// embed_tokens.onnx: input_ids int64 [B, T] → inputs_embeds float32 [B, T, d] (reference §10.5 item 2).
// The image-feature merge is a host-side scatter (reference §6.3), so this graph is a plain row lookup.
import type { BuildContext } from '../../build-context.js';
import { float32ToFloat16Bits } from '../../onnx/float16.js';
import { cast, gather } from '../../onnx/ops.js';
import { namedOutput } from './graph-io.js';
import { decoderIo, textWeights } from './names.js';

export function buildEmbedTokens(ctx: BuildContext): void {
  const g = ctx.graph;
  const { vocabSize: v, hiddenSize: d } = ctx.config.text;
  const ids = g.input(decoderIo.inputIds, 'int64', ['batch_size', 'sequence_length']);
  let rows = gather(g, embeddingTable(ctx, v, d), ids, 0);
  // Under fp16/int4 the table stays fp16 and only the gathered rows are widened: a Cast of the
  // whole table (102400·d values) on every call would cost far more than the lookup.
  if (ctx.dtype !== 'fp32') rows = cast(g, rows, 'float32');
  namedOutput(g, rows, decoderIo.inputsEmbeds, 'float32', ['batch_size', 'sequence_length', d]);
  ctx.progress(textWeights.embedTokens);
}

function embeddingTable(ctx: BuildContext, v: number, d: number): string {
  const name = textWeights.embedTokens;
  const info = ctx.checkpoint.info(name);
  if (info.shape.length !== 2 || info.shape[0] !== v || info.shape[1] !== d) {
    throw new Error(`tensor ${name} in ${info.file}: expected shape [${v},${d}], found [${info.shape}]; is config.json from the same checkpoint?`);
  }
  const data = ctx.checkpoint.readFloat32(name);
  if (ctx.dtype === 'fp32') return ctx.graph.initializer(name, { dtype: 'float32', dims: [v, d], data });
  return ctx.graph.initializer(name, { dtype: 'float16', dims: [v, d], data: float32ToFloat16Bits(data) });
}
