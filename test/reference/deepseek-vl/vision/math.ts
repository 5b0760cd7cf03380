// Scalar and row-wise kernels of the reference. Storage is Float32Array; sums run in float64 so the
// reference is at least as accurate as the fp32 graph it checks.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf to ~1e-15: Taylor series near 0, Laplace continued fraction for erfc in the tails. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))) evaluated bottom-up.
  let f = ax;
  for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}

/** Exact GELU (nn.GELU default, erf form): every GELU in this model is the exact one (§2, §3, §4). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function geluInPlace(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = gelu(x[i]!);
  return x;
}

/** y[rows,out] = x[rows,in] · Wᵀ + b for a PyTorch Linear weight W[out,in]. */
export function linear(x: Float32Array, rows: number, inF: number, w: Float32Array, b: Float32Array | null, outF: number): Float32Array {
  const y = new Float32Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    const xo = r * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inF; i++) s += x[xo + i]! * w[wo + i]!;
      y[r * outF + o] = s;
    }
  }
  return y;
}

/** LayerNorm over the last dimension (biased variance, as torch). */
export function layerNormRows(x: Float32Array, rows: number, dim: number, gamma: Float32Array, beta: Float32Array, eps: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let mean = 0;
    for (let i = 0; i < dim; i++) mean += x[o + i]!;
    mean /= dim;
    let v = 0;
    for (let i = 0; i < dim; i++) {
      const d = x[o + i]! - mean;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / dim + eps);
    for (let i = 0; i < dim; i++) y[o + i] = (x[o + i]! - mean) * inv * gamma[i]! + beta[i]!;
  }
  return y;
}

export function addInPlace(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new Error(`reference: add of lengths ${a.length} and ${b.length}`);
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
  return a;
}

/** Softmax of scores[0..n) in place (float64 scratch). */
export function softmaxInPlace(s: Float64Array, n: number): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (s[j]! > max) max = s[j]!;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp(s[j]! - max);
    s[j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < n; j++) s[j] = s[j]! * inv;
}

/** Per-channel (x − mean)/std on a CHW image; the towers' in-model Normalize (§1.2). */
export function normalizeChannels(img: Float32Array, channels: number, mean: number[], std: number[]): Float32Array {
  const plane = img.length / channels;
  const out = new Float32Array(img.length);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) out[c * plane + i] = (img[c * plane + i]! - mean[c]!) / std[c]!;
  }
  return out;
}
