// SigLIP-L/16 @384 ("siglip_large_patch16_384", reference/deepseek-vl.md §3): [N,3,384,384] in [0,1]
// → final-LayerNormed tokens [N,576,width]. attn_pool is in the checkpoint but never used.
import * as ops from '../../onnx/ops.js';
import type { BuildContext } from '../../build-context.js';
import type { SiglipConfig } from '../config.js';
import { attentionCore, chwToTokens, layerNorm, mergeHeads, mlp, normalizePixels, patchEmbed, splitHeads } from './vision-ops.js';

export function siglipTower(ctx: BuildContext, pixels: string, cfg: SiglipConfig, prefix: string): string {
  const g = ctx.graph;
  const tokens = (cfg.imageSize / cfg.patchSize) ** 2;
  const d = cfg.width;
  const p = (n: string) => prefix + n;
  const normed = normalizePixels(ctx, pixels, cfg.pixelMean, cfg.pixelStd);
  const patches = g.scope('siglip.patch_embed', () => chwToTokens(ctx, patchEmbed(ctx, normed, p('patch_embed'), d, cfg.patchSize)));
  let x = ops.add(g, patches, ctx.weight(p('pos_embed'), [1, tokens, d]));
  for (let i = 0; i < cfg.layers; i++) {
    x = g.scope(`siglip.blocks.${i}`, () => siglipBlock(ctx, x, p(`blocks.${i}`), cfg));
    ctx.progress(`siglip block ${i}`);
  }
  return layerNorm(ctx, x, p('norm'), d);
}

/** timm pre-norm ViT block: MHSA (scale 1/√hd) and Mlp with exact GELU, no LayerScale (§3). */
function siglipBlock(ctx: BuildContext, x: string, prefix: string, cfg: SiglipConfig): string {
  const g = ctx.graph;
  const d = cfg.width;
  const hd = d / cfg.heads;
  const [q, k, v] = splitHeads(ctx, ctx.linear(layerNorm(ctx, x, `${prefix}.norm1`, d), `${prefix}.attn.qkv`, d, 3 * d), cfg.heads, hd);
  const attn = ctx.linear(mergeHeads(ctx, attentionCore(ctx, q, k, v, hd)), `${prefix}.attn.proj`, d, d);
  const y = ops.add(g, x, attn);
  const hidden = Math.round(cfg.mlpRatio * d);
  return ops.add(g, y, mlp(ctx, layerNorm(ctx, y, `${prefix}.norm2`, d), `${prefix}.mlp.fc1`, `${prefix}.mlp.fc2`, d, hidden));
}
