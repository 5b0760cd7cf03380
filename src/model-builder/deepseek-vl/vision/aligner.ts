// Aligner / projector (reference/deepseek-vl.md §4): vision tokens → LLM embedding width.
import * as ops from '../../onnx/ops.js';
import type { BuildContext } from '../../build-context.js';
import type { AlignerConfig } from '../config.js';

/**
 * mlp_gelu (1.3B): layers = [Linear(in,n), GELU, Linear(n,n), …] → weights layers.0, layers.2, ….
 * low_high_hybrid_split_mlp_gelu (7B): high_up_proj(SAM) and low_up_proj(SigLIP), each in → n/2,
 * concatenated high first, then layers = [GELU, Linear(n,n), …] → weights layers.1, layers.3, ….
 * `high` is null for mlp_gelu. Tokens [N,576,·] → [N,576,n].
 */
export function aligner(ctx: BuildContext, high: string | null, low: string, cfg: AlignerConfig): string {
  const g = ctx.graph;
  const n = cfg.nEmbed;
  return g.scope('aligner', () => {
    if (cfg.type === 'mlp_gelu') {
      let x = ctx.linear(low, 'aligner.layers.0', cfg.inputDim, n);
      for (let i = 1; i < cfg.depth; i++) x = ctx.linear(ops.gelu(g, x), `aligner.layers.${2 * i}`, n, n);
      return x;
    }
    if (high === null) throw new Error('aligner low_high_hybrid_split_mlp_gelu needs the SAM tokens; the config has no high-resolution tower');
    const h = ctx.linear(high, 'aligner.high_up_proj', cfg.inputDim, n / 2);
    const l = ctx.linear(low, 'aligner.low_up_proj', cfg.inputDim, n / 2);
    let x = ops.concat(g, [h, l], -1);
    for (let i = 1; i < cfg.depth; i++) x = ctx.linear(ops.gelu(g, x), `aligner.layers.${2 * i - 1}`, n, n);
    return x;
  });
}
