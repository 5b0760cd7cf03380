// Small graph helpers shared by the vision towers (reference/deepseek-vl.md §1.2–§3) that the common
// op vocabulary (onnx/ops.ts) does not have.
import { attr } from '../../onnx/graph.js';
import * as ops from '../../onnx/ops.js';
import type { BuildContext } from '../../build-context.js';

const EPS = 1e-6;

/** torchvision `Normalize(mean, std)` on NCHW pixels, applied inside the model (§1.2). */
export function normalizePixels(ctx: BuildContext, x: string, mean: number[] | null, std: number[] | null): string {
  if (!mean || !std) return x;
  const g = ctx.graph;
  const shaped = (v: number[], hint: string) => g.constant({ dtype: 'float32', dims: [1, 3, 1, 1], data: Float32Array.from(v) }, hint);
  return ops.div(g, ops.sub(g, x, shaped(mean, 'pixel_mean')), shaped(std, 'pixel_std'));
}

/** nn.LayerNorm(eps 1e-6) over the last axis, weights `${prefix}.weight/bias`. */
export function layerNorm(ctx: BuildContext, x: string, prefix: string, dim: number): string {
  return ops.layerNorm(ctx.graph, x, ctx.weight(`${prefix}.weight`, [dim]), ctx.weight(`${prefix}.bias`, [dim]), EPS);
}

/** SAM's LayerNorm2d (§2): normalise NCHW over channels at each pixel, via NHWC LayerNormalization. */
export function layerNorm2d(ctx: BuildContext, x: string, prefix: string, channels: number): string {
  const g = ctx.graph;
  const nhwc = ops.transpose(g, x, [0, 2, 3, 1]);
  return ops.transpose(g, layerNorm(ctx, nhwc, prefix, channels), [0, 3, 1, 2]);
}

/** Patch embedding: Conv k=s=patch with bias, NCHW [N,3,S,S] → [N,d,S/p,S/p]. */
export function patchEmbed(ctx: BuildContext, x: string, prefix: string, width: number, patch: number): string {
  const w = ctx.weight(`${prefix}.proj.weight`, [width, 3, patch, patch]);
  const b = ctx.weight(`${prefix}.proj.bias`, [width]);
  return ops.conv2d(ctx.graph, x, w, b, { kernel: patch, stride: patch });
}

/** NCHW → tokens [N, H·W, C], row-major over h then w (`rearrange "b c h w -> b (h w) c"`). */
export function chwToTokens(ctx: BuildContext, x: string): string {
  const g = ctx.graph;
  return ops.transpose(g, ops.reshape(g, x, [0, 0, -1]), [0, 2, 1]);
}

/** Einsum (ONNX opset 12+), used for SAM's decomposed relative positions. */
export function einsum(ctx: BuildContext, equation: string, inputs: string[]): string {
  return ctx.graph.op('Einsum', inputs, { equation: attr.str(equation) });
}

/**
 * Attention core over [B, heads, T, hd] q/k/v: softmax(q·scale·kᵀ + bias) · v. `addBias` (if given)
 * receives the [B,heads,T,T] logits and returns them with a bias added before the softmax.
 */
export function attentionCore(ctx: BuildContext, q: string, k: string, v: string, headDim: number, addBias?: (logits: string) => string): string {
  const g = ctx.graph;
  const scaled = ops.mul(g, q, g.constFloat(1 / Math.sqrt(headDim), 'attn_scale'));
  let logits = ops.matmul(g, scaled, ops.transpose(g, k, [0, 1, 3, 2]));
  if (addBias) logits = addBias(logits);
  return ops.matmul(g, ops.softmax(g, logits, -1), v);
}

/**
 * Fused qkv Linear output [..., 3·dim] laid out [3][heads][hd] (both towers, §2/§3) → q, k, v each
 * [B, heads, T, hd], where x is [B, T, dim].
 */
export function splitHeads(ctx: BuildContext, qkv: string, heads: number, headDim: number): [string, string, string] {
  const g = ctx.graph;
  const r = ops.transpose(g, ops.reshape(g, qkv, [0, 0, 3, heads, headDim]), [2, 0, 3, 1, 4]);
  const parts = ops.split(g, r, [1, 1, 1], 0).map((t) => ops.squeeze(g, t, [0]));
  return [parts[0]!, parts[1]!, parts[2]!];
}

/** [B, heads, T, hd] → [B, T, heads·hd]. */
export function mergeHeads(ctx: BuildContext, x: string): string {
  const g = ctx.graph;
  return ops.reshape(g, ops.transpose(g, x, [0, 2, 1, 3]), [0, 0, -1]);
}

/** Pre-norm MLP: fc2(GELU(fc1(x))) with exact GELU (§2, §3). */
export function mlp(ctx: BuildContext, x: string, fc1: string, fc2: string, dim: number, hidden: number): string {
  return ctx.linear(ops.gelu(ctx.graph, ctx.linear(x, fc1, dim, hidden)), fc2, hidden, dim);
}
