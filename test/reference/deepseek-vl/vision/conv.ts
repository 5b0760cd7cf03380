// 2-D convolution and LayerNorm2d on one CHW image (no batch dimension).

export interface Chw {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}

/** Conv2d with square kernel, zero padding, weight [O,C,k,k] as PyTorch stores it. */
export function conv2d(x: Chw, weight: Float32Array, bias: Float32Array | null, outC: number, k: number, stride: number, pad: number): Chw {
  const ho = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  const out = new Float64Array(outC * ho * wo);
  for (let o = 0; o < outC; o++) {
    const ob = o * ho * wo;
    if (bias) out.fill(bias[o]!, ob, ob + ho * wo);
    for (let c = 0; c < x.c; c++) {
      const xb = c * x.h * x.w;
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          const wv = weight[((o * x.c + c) * k + ky) * k + kx]!;
          for (let oy = 0; oy < ho; oy++) {
            const iy = oy * stride + ky - pad;
            if (iy < 0 || iy >= x.h) continue;
            const row = xb + iy * x.w;
            const orow = ob + oy * wo;
            for (let ox = 0; ox < wo; ox++) {
              const ix = ox * stride + kx - pad;
              if (ix < 0 || ix >= x.w) continue;
              out[orow + ox] += wv * x.data[row + ix]!;
            }
          }
        }
      }
    }
  }
  return { c: outC, h: ho, w: wo, data: Float32Array.from(out) };
}

/** LayerNorm2d (SAM neck, §2): normalise over channels at each pixel, eps 1e-6. */
export function layerNorm2d(x: Chw, gamma: Float32Array, beta: Float32Array, eps: number): Chw {
  const plane = x.h * x.w;
  const out = new Float32Array(x.data.length);
  for (let p = 0; p < plane; p++) {
    let mean = 0;
    for (let c = 0; c < x.c; c++) mean += x.data[c * plane + p]!;
    mean /= x.c;
    let v = 0;
    for (let c = 0; c < x.c; c++) {
      const d = x.data[c * plane + p]! - mean;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / x.c + eps);
    for (let c = 0; c < x.c; c++) out[c * plane + p] = (x.data[c * plane + p]! - mean) * inv * gamma[c]! + beta[c]!;
  }
  return { c: x.c, h: x.h, w: x.w, data: out };
}

/** [C,H,W] → tokens [H·W, C] (row-major over h then w, as `rearrange "b c h w -> b (h w) c"`). */
export function chwToTokens(x: Chw): Float32Array {
  const plane = x.h * x.w;
  const out = new Float32Array(x.data.length);
  for (let c = 0; c < x.c; c++) for (let p = 0; p < plane; p++) out[p * x.c + c] = x.data[c * plane + p]!;
  return out;
}

/** Tokens [H·W, C] → [C,H,W]. */
export function tokensToChw(t: Float32Array, h: number, w: number, c: number): Chw {
  const plane = h * w;
  const out = new Float32Array(t.length);
  for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[ch * plane + p] = t[p * c + ch]!;
  return { c, h, w, data: out };
}
