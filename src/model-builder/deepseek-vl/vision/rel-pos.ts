// SAM's decomposed relative positions (reference/deepseek-vl.md §2, `get_rel_pos` and
// `add_decomposed_rel_pos`): logits[qy,qx,ky,kx] += q·rel_pos_h[qy−ky+S−1] + q·rel_pos_w[qx−kx+S−1],
// with the *unscaled* q, added after q·scale·kᵀ and before the softmax.
import * as ops from '../../onnx/ops.js';
import type { BuildContext } from '../../build-context.js';
import { einsum } from './vision-ops.js';

/** Index table of `get_rel_pos` for equal query/key sizes S: idx[i][j] = i − j + S − 1. */
export function relPosIndex(side: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) idx.push(i - j + side - 1);
  return idx;
}

/**
 * Returns a function adding the decomposed bias to logits [B, heads, S², S²] of the attention whose
 * unscaled queries are q [B, heads, S², hd]. The tables must already be [2S−1, hd] (true for SAM at
 * 1024 input: 27 rows windowed, 127 rows global), so no table interpolation is needed.
 */
export function decomposedRelPos(ctx: BuildContext, q: string, prefix: string, side: number, headDim: number): (logits: string) => string {
  const g = ctx.graph;
  const rows = 2 * side - 1;
  const idx = g.constant({ dtype: 'int64', dims: [side, side], data: BigInt64Array.from(relPosIndex(side), BigInt) }, 'rel_pos_idx');
  const rh = ops.gather(g, ctx.weight(`${prefix}.rel_pos_h`, [rows, headDim]), idx, 0);
  const rw = ops.gather(g, ctx.weight(`${prefix}.rel_pos_w`, [rows, headDim]), idx, 0);
  const rq = ops.reshape(g, q, [0, 0, side, side, headDim]);
  const relH = einsum(ctx, 'bnhwc,hkc->bnhwk', [rq, rh]);
  const relW = einsum(ctx, 'bnhwc,wkc->bnhwk', [rq, rw]);
  return (logits) => {
    const grid = ops.reshape(g, logits, [0, 0, side, side, side, side]);
    const biased = ops.add(g, ops.add(g, grid, ops.unsqueeze(g, relH, [5])), ops.unsqueeze(g, relW, [4]));
    return ops.reshape(g, biased, [0, 0, side * side, side * side]);
  };
}
