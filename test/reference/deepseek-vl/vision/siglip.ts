// Reference SigLIP-L/16 tower ("siglip_large_patch16_384", reference/deepseek-vl.md §3) for one image.
import { takeWeight, type WeightSource } from './weights.js';
import { addInPlace, geluInPlace, layerNormRows, linear, normalizeChannels } from './math.js';
import { chwToTokens, conv2d } from './conv.js';
import { gridAttention } from './attention.js';

export interface RefSiglipConfig {
  imageSize: number;
  patchSize: number;
  width: number;
  layers: number;
  heads: number;
  mlpRatio: number;
  pixelMean: number[] | null;
  pixelStd: number[] | null;
}

const EPS = 1e-6;

/** image: [3,S,S] (S = 384) in [0,1]. Returns the final-LayerNormed tokens [576, width]; attn_pool is unused. */
export function siglipForward(src: WeightSource, cfg: RefSiglipConfig, prefix: string, image: Float32Array): Float32Array {
  const p = (n: string) => prefix + n;
  const S = cfg.imageSize;
  const g = S / cfg.patchSize;
  const n = g * g;
  const d = cfg.width;
  const hidden = Math.round(cfg.mlpRatio * d);
  let pixels = image;
  if (cfg.pixelMean && cfg.pixelStd) pixels = normalizeChannels(image, 3, cfg.pixelMean, cfg.pixelStd);
  const patches = conv2d({ c: 3, h: S, w: S, data: pixels },
    takeWeight(src, p('patch_embed.proj.weight'), [d, 3, cfg.patchSize, cfg.patchSize]),
    takeWeight(src, p('patch_embed.proj.bias'), [d]), d, cfg.patchSize, cfg.patchSize, 0);
  let x = addInPlace(chwToTokens(patches), takeWeight(src, p('pos_embed'), [1, n, d]));
  for (let i = 0; i < cfg.layers; i++) {
    const b = p(`blocks.${i}.`);
    const w = (name: string, shape: number[]) => takeWeight(src, b + name, shape);
    const normed = layerNormRows(x, n, d, w('norm1.weight', [d]), w('norm1.bias', [d]), EPS);
    const attn = gridAttention(normed, g, g, d, cfg.heads, {
      qkvW: w('attn.qkv.weight', [3 * d, d]), qkvB: w('attn.qkv.bias', [3 * d]),
      projW: w('attn.proj.weight', [d, d]), projB: w('attn.proj.bias', [d]),
    }, null);
    const y = addInPlace(attn, x);
    const h = geluInPlace(linear(layerNormRows(y, n, d, w('norm2.weight', [d]), w('norm2.bias', [d]), EPS),
      n, d, w('mlp.fc1.weight', [hidden, d]), w('mlp.fc1.bias', [hidden]), hidden));
    x = addInPlace(linear(h, n, hidden, w('mlp.fc2.weight', [d, hidden]), w('mlp.fc2.bias', [d]), d), y);
  }
  return layerNormRows(x, n, d, takeWeight(src, p('norm.weight'), [d]), takeWeight(src, p('norm.bias'), [d]), EPS);
}
