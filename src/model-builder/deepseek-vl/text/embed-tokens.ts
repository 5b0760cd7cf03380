// embed_tokens.onnx: input_ids int64 [B, T] → inputs_embeds float32 [B, T, d] (reference §10.5 item 2).
// The image-feature merge is a host-side scatter (reference §6.3), so this graph is a plain row lookup.
import type { BuildContext } from '../../build-context.js';
import { cast, gather } from '../../onnx/ops.js';
import { namedOutput } from './graph-io.js';
import { decoderIo, textWeights } from './names.js';

export function buildEmbedTokens(ctx: BuildContext): void {
  const g = ctx.graph;
  const { vocabSize: v, hiddenSize: d } = ctx.config.text;
  const ids = g.input(decoderIo.inputIds, 'int64', ['batch_size', 'sequence_length']);
  // Gather from the table as stored and widen only the rows: a Cast of the whole fp16 table
  // (102400·d values) on every call would cost far more than the lookup.
  const table = ctx.storedWeight(textWeights.embedTokens, [v, d]);
  let rows = gather(g, table.value, ids, 0);
  if (table.dtype !== 'float32') rows = cast(g, rows, 'float32');
  namedOutput(g, rows, decoderIo.inputsEmbeds, 'float32', ['batch_size', 'sequence_length', d]);
  ctx.progress(textWeights.embedTokens);
}
