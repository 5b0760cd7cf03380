// Reference SAM-B "sam_b_downsample" tower (reference/deepseek-vl.md §2) for one image.
import { takeWeight, type WeightSource } from './weights.js';
import { addInPlace, geluInPlace, layerNormRows, linear, normalizeChannels } from './math.js';
import { chwToTokens, conv2d, layerNorm2d, tokensToChw, type Chw } from './conv.js';
import { bilinearResize } from './resize.js';
import { gridAttention } from './attention.js';

export interface RefSamConfig {
  imageSize: number;
  patchSize: number;
  width: number;
  depth: number;
  heads: number;
  windowSize: number;
  globalAttnIndexes: number[];
  neckChannels: number;
  downsampleChannels: number[];
  pixelMean: number[] | null;
  pixelStd: number[] | null;
}

const EPS = 1e-6;
const MLP_RATIO = 4;
/** `F.interpolate(size=(96, 96))` is a literal in sam.py (§2), independent of the config. */
const INTERP_SIZE = 96;

export interface SamOutput {
  /** [576, downsampleChannels[1]] */
  tokens: Float32Array;
  /** The sam_hd path's share of `tokens` (hd_alpha_downsamples · downsamples(neck_hd(…))), same layout. */
  hdPart: Float32Array;
}

/** image: [3,S,S] in [0,1]. */
export function samForward(src: WeightSource, cfg: RefSamConfig, prefix: string, image: Float32Array): SamOutput {
  const p = (n: string) => prefix + n;
  const S = cfg.imageSize;
  const g = S / cfg.patchSize;
  const d = cfg.width;
  let pixels = image;
  if (cfg.pixelMean && cfg.pixelStd) pixels = normalizeChannels(image, 3, cfg.pixelMean, cfg.pixelStd);

  const patches = conv2d({ c: 3, h: S, w: S, data: pixels },
    takeWeight(src, p('patch_embed.proj.weight'), [d, 3, cfg.patchSize, cfg.patchSize]),
    takeWeight(src, p('patch_embed.proj.bias'), [d]), d, cfg.patchSize, cfg.patchSize, 0);
  let x = addInPlace(chwToTokens(patches), takeWeight(src, p('pos_embed'), [1, g, g, d]));

  let firstGlobal: Float32Array | null = null;
  for (let i = 0; i < cfg.depth; i++) {
    const isGlobal = cfg.globalAttnIndexes.includes(i);
    x = samBlock(src, p(`blocks.${i}.`), x, g, d, cfg.heads, isGlobal ? 0 : cfg.windowSize);
    if (isGlobal && firstGlobal === null) firstGlobal = x;
  }
  if (firstGlobal === null) throw new Error('reference: SAM config has no global-attention block');

  const [c1, c2] = cfg.downsampleChannels as [number, number];
  const downsample = (y: Chw): Chw => {
    const a = conv2d(y, takeWeight(src, p('downsamples.0.weight'), [c1, cfg.neckChannels, 3, 3]), null, c1, 3, 2, 1);
    return conv2d(a, takeWeight(src, p('downsamples.1.weight'), [c2, c1, 3, 3]), null, c2, 3, 2, 1);
  };
  const main = downsample(bilinearResize(neck(src, p('neck.'), x, g, d, cfg.neckChannels), INTERP_SIZE, INTERP_SIZE));
  const hd = downsample(bilinearResize(neck(src, p('neck_hd.'), firstGlobal, g, d, cfg.neckChannels), INTERP_SIZE, INTERP_SIZE));
  const alpha = takeWeight(src, p('hd_alpha_downsamples'), [1])[0]!;
  for (let i = 0; i < main.data.length; i++) {
    hd.data[i] = hd.data[i]! * alpha;
    main.data[i] = main.data[i]! + hd.data[i]!;
  }
  return { tokens: chwToTokens(main), hdPart: chwToTokens(hd) };
}

/** Pre-norm block; windowSize 0 = global attention over the whole g×g grid. */
function samBlock(src: WeightSource, p: string, x: Float32Array, g: number, d: number, heads: number, windowSize: number): Float32Array {
  const n = g * g;
  const hd = d / heads;
  const relLen = 2 * (windowSize || g) - 1;
  const attnW = {
    qkvW: takeWeight(src, p + 'attn.qkv.weight', [3 * d, d]),
    qkvB: takeWeight(src, p + 'attn.qkv.bias', [3 * d]),
    projW: takeWeight(src, p + 'attn.proj.weight', [d, d]),
    projB: takeWeight(src, p + 'attn.proj.bias', [d]),
  };
  const relPos = { h: takeWeight(src, p + 'attn.rel_pos_h', [relLen, hd]), w: takeWeight(src, p + 'attn.rel_pos_w', [relLen, hd]) };
  const normed = layerNormRows(x, n, d, takeWeight(src, p + 'norm1.weight', [d]), takeWeight(src, p + 'norm1.bias', [d]), EPS);
  const attn = windowSize === 0
    ? gridAttention(normed, g, g, d, heads, attnW, relPos)
    : windowedAttention(normed, g, d, windowSize, (win) => gridAttention(win, windowSize, windowSize, d, heads, attnW, relPos));
  const y = addInPlace(attn, x);
  const h = geluInPlace(linear(layerNormRows(y, n, d, takeWeight(src, p + 'norm2.weight', [d]), takeWeight(src, p + 'norm2.bias', [d]), EPS),
    n, d, takeWeight(src, p + 'mlp.lin1.weight', [MLP_RATIO * d, d]), takeWeight(src, p + 'mlp.lin1.bias', [MLP_RATIO * d]), MLP_RATIO * d));
  return addInPlace(linear(h, n, MLP_RATIO * d, takeWeight(src, p + 'mlp.lin2.weight', [d, MLP_RATIO * d]), takeWeight(src, p + 'mlp.lin2.bias', [d]), d), y);
}

/**
 * window_partition / window_unpartition (§2): the g×g grid is zero-padded at the bottom/right to a
 * multiple of the window (64 → 70) *after* norm1; padded tokens take part in attention unmasked; the
 * result is cropped back to g×g.
 */
export function windowedAttention(x: Float32Array, g: number, d: number, ws: number, attend: (win: Float32Array) => Float32Array): Float32Array {
  const nw = Math.ceil(g / ws);
  const out = new Float32Array(g * g * d);
  const win = new Float32Array(ws * ws * d);
  for (let wy = 0; wy < nw; wy++) {
    for (let wx = 0; wx < nw; wx++) {
      win.fill(0);
      for (let y = 0; y < ws; y++) {
        const gy = wy * ws + y;
        if (gy >= g) break;
        for (let xx = 0; xx < ws; xx++) {
          const gx = wx * ws + xx;
          if (gx >= g) break;
          win.set(x.subarray((gy * g + gx) * d, (gy * g + gx + 1) * d), (y * ws + xx) * d);
        }
      }
      const r = attend(win);
      for (let y = 0; y < ws; y++) {
        const gy = wy * ws + y;
        if (gy >= g) break;
        for (let xx = 0; xx < ws; xx++) {
          const gx = wx * ws + xx;
          if (gx >= g) break;
          out.set(r.subarray((y * ws + xx) * d, (y * ws + xx + 1) * d), (gy * g + gx) * d);
        }
      }
    }
  }
  return out;
}

/** neck / neck_hd (§2): Conv1x1 (no bias) → LayerNorm2d → Conv3x3 pad 1 (no bias) → LayerNorm2d. */
function neck(src: WeightSource, p: string, tokens: Float32Array, g: number, d: number, nc: number): Chw {
  const x = tokensToChw(tokens, g, g, d);
  let y = conv2d(x, takeWeight(src, p + '0.weight', [nc, d, 1, 1]), null, nc, 1, 1, 0);
  y = layerNorm2d(y, takeWeight(src, p + '1.weight', [nc]), takeWeight(src, p + '1.bias', [nc]), EPS);
  y = conv2d(y, takeWeight(src, p + '2.weight', [nc, nc, 3, 3]), null, nc, 3, 1, 1);
  return layerNorm2d(y, takeWeight(src, p + '3.weight', [nc]), takeWeight(src, p + '3.bias', [nc]), EPS);
}
