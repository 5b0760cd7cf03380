// SAM-B "sam_b_downsample", the 7B's high-resolution tower (reference/deepseek-vl.md §2):
// [N,3,1024,1024] in [0,1] → [N,576,downsampleChannels[1]].
import * as ops from '../../onnx/ops.js';
import type { BuildContext } from '../../build-context.js';
import type { SamConfig } from '../config.js';
import { attentionCore, chwToTokens, layerNorm, layerNorm2d, mergeHeads, mlp, normalizePixels, patchEmbed, splitHeads } from './vision-ops.js';
import { decomposedRelPos } from './rel-pos.js';
import { windowPartition, windowUnpartition } from './window-partition.js';

const MLP_RATIO = 4;
/** `F.interpolate(size=(96, 96))` is a literal in sam.py (§2): 4 × the 24×24 output grid. */
const INTERP_SIZE = 96;

/** pixels: NCHW [N,3,S,S] in [0,1]. Returns tokens [N,576,C]. */
export function samTower(ctx: BuildContext, pixels: string, cfg: SamConfig, prefix: string): string {
  const g = ctx.graph;
  const grid = cfg.imageSize / cfg.patchSize;
  const d = cfg.width;
  const p = (n: string) => prefix + n;
  const normed = normalizePixels(ctx, pixels, cfg.pixelMean, cfg.pixelStd);
  const patches = g.scope('sam.patch_embed', () => chwToTokens(ctx, patchEmbed(ctx, normed, p('patch_embed'), d, cfg.patchSize)));
  const pos = ops.reshape(g, ctx.weight(p('pos_embed'), [1, grid, grid, d]), [1, grid * grid, d]);
  let x = ops.add(g, patches, pos);

  let firstGlobal: string | null = null;
  for (let i = 0; i < cfg.depth; i++) {
    const global = cfg.globalAttnIndexes.includes(i);
    x = g.scope(`sam.blocks.${i}`, () => samBlock(ctx, x, p(`blocks.${i}`), cfg, global ? 0 : cfg.windowSize));
    if (global && firstGlobal === null) firstGlobal = x;
    ctx.progress(`sam block ${i}`);
  }
  if (firstGlobal === null) throw new Error(`SAM config ${cfg.modelName} lists no global-attention block; the sam_hd path needs one (§2)`);

  const [c1, c2] = cfg.downsampleChannels;
  // The two stride-2 convs are shared by the main and the hd path, with no norm or activation (§2).
  const ds0 = ctx.weight(p('downsamples.0.weight'), [c1, cfg.neckChannels, 3, 3]);
  const ds1 = ctx.weight(p('downsamples.1.weight'), [c2, c1, 3, 3]);
  const head = (tokens: string, neckPrefix: string) => {
    const nchw = ops.transpose(g, ops.reshape(g, tokens, [-1, grid, grid, d]), [0, 3, 1, 2]);
    const up = ops.resizeBilinear(g, neck(ctx, nchw, neckPrefix, d, cfg.neckChannels), INTERP_SIZE, INTERP_SIZE);
    const half = ops.conv2d(g, up, ds0, null, { kernel: 3, stride: 2, pad: 1 });
    return ops.conv2d(g, half, ds1, null, { kernel: 3, stride: 2, pad: 1 });
  };
  const main = g.scope('sam.neck', () => head(x, p('neck')));
  // sam_hd: the first global block's output through neck_hd, scaled by hd_alpha_downsamples (§2).
  const hd = g.scope('sam.neck_hd', () => head(firstGlobal!, p('neck_hd')));
  const fused = ops.add(g, main, ops.mul(g, hd, ctx.weight(p('hd_alpha_downsamples'), [1])));
  ctx.progress('sam neck');
  return chwToTokens(ctx, fused);
}

/** Pre-norm ViT block; window 0 = global attention over the whole grid (§2). x: [B, g², d]. */
function samBlock(ctx: BuildContext, x: string, prefix: string, cfg: SamConfig, window: number): string {
  const g = ctx.graph;
  const grid = cfg.imageSize / cfg.patchSize;
  const d = cfg.width;
  const normed = layerNorm(ctx, x, `${prefix}.norm1`, d);
  let attn: string;
  if (window === 0) {
    attn = samAttention(ctx, normed, `${prefix}.attn`, cfg, grid);
  } else {
    const windows = windowPartition(ctx, ops.reshape(g, normed, [-1, grid, grid, d]), grid, window, d);
    const out = samAttention(ctx, windows, `${prefix}.attn`, cfg, window);
    attn = ops.reshape(g, windowUnpartition(ctx, out, grid, window, d), [-1, grid * grid, d]);
  }
  const y = ops.add(g, x, attn);
  return ops.add(g, y, mlp(ctx, layerNorm(ctx, y, `${prefix}.norm2`, d), `${prefix}.mlp.lin1`, `${prefix}.mlp.lin2`, d, MLP_RATIO * d));
}

/** Attention over a side×side grid of tokens x [B, side², d], with decomposed relative positions. */
function samAttention(ctx: BuildContext, x: string, prefix: string, cfg: SamConfig, side: number): string {
  const d = cfg.width;
  const hd = d / cfg.heads;
  const [q, k, v] = splitHeads(ctx, ctx.linear(x, `${prefix}.qkv`, d, 3 * d), cfg.heads, hd);
  const out = attentionCore(ctx, q, k, v, hd, decomposedRelPos(ctx, q, prefix, side, hd));
  return ctx.linear(mergeHeads(ctx, out), `${prefix}.proj`, d, d);
}

/** neck / neck_hd (§2): Conv1x1 (no bias) → LayerNorm2d → Conv3x3 pad 1 (no bias) → LayerNorm2d. */
function neck(ctx: BuildContext, x: string, prefix: string, width: number, channels: number): string {
  const g = ctx.graph;
  let y = ops.conv2d(g, x, ctx.weight(`${prefix}.0.weight`, [channels, width, 1, 1]), null, { kernel: 1 });
  y = layerNorm2d(ctx, y, `${prefix}.1`, channels);
  y = ops.conv2d(g, y, ctx.weight(`${prefix}.2.weight`, [channels, channels, 3, 3]), null, { kernel: 3, pad: 1 });
  return layerNorm2d(ctx, y, `${prefix}.3`, channels);
}
