// One LLaMA decoder layer (reference §5; HF LlamaDecoderLayer): pre-norm attention and SwiGLU MLP,
// each added back to the residual stream. No biases anywhere.
import type { BuildContext } from '../../build-context.js';
import { attr } from '../../onnx/graph.js';
import { add, mul, rmsNorm, silu } from '../../onnx/ops.js';
import { decoderIo, textWeights } from './names.js';
import { applyRotary, type RotaryCaches } from './rotary.js';

/** Values shared by every layer: positions, rotary tables and the GQA sequence-length inputs. */
export interface LayerInputs {
  positionIds: string;
  rotary: RotaryCaches;
  /** int32 [B]: index of the last valid position (total − 1), as GroupQueryAttention wants it. */
  seqlensK: string;
  /** int32 scalar: past + new positions. */
  totalSequenceLength: string;
}

export function llamaLayer(ctx: BuildContext, h: string, i: number, io: LayerInputs): string {
  const g = ctx.graph;
  const t = ctx.config.text;
  const p = textWeights.layer(i);
  return g.scope(`layers.${i}`, () => {
    const x = rmsNorm(g, h, ctx.weight(`${p}.input_layernorm.weight`, [t.hiddenSize]), t.rmsNormEps);
    const attn = selfAttention(ctx, x, i, io);
    const h1 = add(g, h, ctx.linear(attn, `${p}.self_attn.o_proj`, t.numHeads * t.headDim, t.hiddenSize));
    const y = rmsNorm(g, h1, ctx.weight(`${p}.post_attention_layernorm.weight`, [t.hiddenSize]), t.rmsNormEps);
    return add(g, h1, swiGlu(ctx, y, p));
  });
}

/**
 * q/k/v projections, RoPE on q and k, then com.microsoft GroupQueryAttention. Its past and present
 * KV are the same [B, kvHeads, maxLength, headDim] buffer at run time: GQA writes the new keys and
 * values at positions seqlens_k−T+1 … seqlens_k in place (DESIGN.md "Execution"; no per-token copy).
 */
function selfAttention(ctx: BuildContext, x: string, i: number, io: LayerInputs): string {
  const g = ctx.graph;
  const t = ctx.config.text;
  const p = `${textWeights.layer(i)}.self_attn`;
  const q = applyRotary(g, ctx.linear(x, `${p}.q_proj`, t.hiddenSize, t.numHeads * t.headDim), io.positionIds, io.rotary, t.numHeads);
  const k = applyRotary(g, ctx.linear(x, `${p}.k_proj`, t.hiddenSize, t.numKvHeads * t.headDim), io.positionIds, io.rotary, t.numKvHeads);
  const v = ctx.linear(x, `${p}.v_proj`, t.hiddenSize, t.numKvHeads * t.headDim);
  const kvShape = ['batch_size', t.numKvHeads, 'max_length', t.headDim];
  const pastK = g.input(decoderIo.pastKey(i), 'float32', kvShape);
  const pastV = g.input(decoderIo.pastValue(i), 'float32', kvShape);
  const [out, presentK, presentV] = g.node('GroupQueryAttention',
    [q, k, v, pastK, pastV, io.seqlensK, io.totalSequenceLength],
    {
      outputs: [`layers.${i}.attn`, decoderIo.presentKey(i), decoderIo.presentValue(i)],
      attrs: { num_heads: attr.int(t.numHeads), kv_num_heads: attr.int(t.numKvHeads), scale: attr.float(1 / Math.sqrt(t.headDim)) },
      domain: 'com.microsoft',
    });
  g.output(presentK!, 'float32', kvShape);
  g.output(presentV!, 'float32', kvShape);
  return out!;
}

/** down(silu(gate(y)) · up(y)). */
function swiGlu(ctx: BuildContext, y: string, p: string): string {
  const g = ctx.graph;
  const { hiddenSize: d, intermediateSize: f } = ctx.config.text;
  const gate = silu(g, ctx.linear(y, `${p}.mlp.gate_proj`, d, f));
  const up = ctx.linear(y, `${p}.mlp.up_proj`, d, f);
  return ctx.linear(mul(g, gate, up), `${p}.mlp.down_proj`, f, d);
}
