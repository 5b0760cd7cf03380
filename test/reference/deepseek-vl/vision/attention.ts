// Multi-head self-attention over one token grid, optionally with SAM's decomposed relative
// positions (§2: `add_decomposed_rel_pos`, added after q·scale·kᵀ and before softmax, using the
// *unscaled* q).
import { linear, softmaxInPlace } from './math.js';

export interface RelPosTables {
  /** rel_pos_h [2·gh−1, headDim] and rel_pos_w [2·gw−1, headDim]. */
  h: Float32Array;
  w: Float32Array;
}

export interface AttentionWeights {
  qkvW: Float32Array; // [3·dim, dim], output laid out [3][heads][headDim]
  qkvB: Float32Array;
  projW: Float32Array; // [dim, dim]
  projB: Float32Array;
}

/**
 * x: tokens [gh·gw, dim] (row-major grid). Returns proj(attention(x)) [gh·gw, dim].
 * With `relPos`, the logit of query (qy,qx) and key (ky,kx) gains
 * q·rel_pos_h[qy−ky+gh−1] + q·rel_pos_w[qx−kx+gw−1].
 */
export function gridAttention(x: Float32Array, gh: number, gw: number, dim: number, heads: number, wts: AttentionWeights, relPos: RelPosTables | null): Float32Array {
  const n = gh * gw;
  const hd = dim / heads;
  const scale = 1 / Math.sqrt(hd);
  const qkv = linear(x, n, dim, wts.qkvW, wts.qkvB, 3 * dim);
  const merged = new Float32Array(n * dim);
  // Values are held transposed ([hd][n]) so q·kᵀ and p·v both run as dot products over contiguous
  // rows; the 4-way split accumulators only make the plain loops faster (the global SAM blocks attend
  // over 4096 tokens).
  const q = new Float64Array(n * hd);
  const k = new Float64Array(n * hd);
  const vT = new Float64Array(hd * n);
  const scores = new Float64Array(n);
  const relH = new Float64Array(gh);
  const relW = new Float64Array(gw);
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < n; t++) {
      for (let c = 0; c < hd; c++) {
        q[t * hd + c] = qkv[t * 3 * dim + h * hd + c]!;
        k[t * hd + c] = qkv[t * 3 * dim + dim + h * hd + c]!;
        vT[c * n + t] = qkv[t * 3 * dim + 2 * dim + h * hd + c]!;
      }
    }
    for (let t = 0; t < n; t++) {
      const qo = t * hd;
      for (let j = 0; j < n; j++) scores[j] = dot(q, qo, k, j * hd, hd) * scale;
      if (relPos) {
        const qy = Math.floor(t / gw);
        const qx = t % gw;
        for (let ky = 0; ky < gh; ky++) {
          const r = (qy - ky + gh - 1) * hd;
          let s = 0;
          for (let c = 0; c < hd; c++) s += q[qo + c]! * relPos.h[r + c]!;
          relH[ky] = s;
        }
        for (let kx = 0; kx < gw; kx++) {
          const r = (qx - kx + gw - 1) * hd;
          let s = 0;
          for (let c = 0; c < hd; c++) s += q[qo + c]! * relPos.w[r + c]!;
          relW[kx] = s;
        }
        for (let ky = 0, j = 0; ky < gh; ky++) {
          const rh = relH[ky]!;
          for (let kx = 0; kx < gw; kx++, j++) scores[j] += rh + relW[kx]!;
        }
      }
      softmaxInPlace(scores, n);
      for (let c = 0; c < hd; c++) merged[t * dim + h * hd + c] = dot(scores, 0, vT, c * n, n);
    }
  }
  return linear(merged, n, dim, wts.projW, wts.projB, dim);
}

/** Σ a[ao+i]·b[bo+i] for i < len, with four independent accumulators. */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < len; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + s2 + s3;
}
