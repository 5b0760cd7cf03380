// Reference aligner / projector (reference/deepseek-vl.md §4) on one image's tokens.
import { takeWeight, type WeightSource } from './weights.js';
import { geluInPlace, linear } from './math.js';

export interface RefAlignerConfig {
  type: 'mlp_gelu' | 'low_high_hybrid_split_mlp_gelu';
  depth: number;
  inputDim: number;
  nEmbed: number;
}

/**
 * mlp_gelu: layers = [Linear(in,n), GELU, Linear(n,n), …] → names layers.0, layers.2, …
 * hybrid split: high_up_proj / low_up_proj (in → n/2), concat [high, low], then layers = [GELU, Linear(n,n), …]
 * → names layers.1, layers.3, … (`high` is null for mlp_gelu).
 */
export function alignerForward(src: WeightSource, cfg: RefAlignerConfig, high: Float32Array | null, low: Float32Array, tokens: number): Float32Array {
  const n = cfg.nEmbed;
  const lin = (x: Float32Array, name: string, inF: number, outF: number) =>
    linear(x, tokens, inF, takeWeight(src, `aligner.${name}.weight`, [outF, inF]), takeWeight(src, `aligner.${name}.bias`, [outF]), outF);
  if (cfg.type === 'mlp_gelu') {
    let x = lin(low, 'layers.0', cfg.inputDim, n);
    for (let i = 1; i < cfg.depth; i++) x = lin(geluInPlace(x), `layers.${2 * i}`, n, n);
    return x;
  }
  if (!high) throw new Error('reference: hybrid aligner needs the SAM (high-resolution) tokens');
  const half = n / 2;
  const h = lin(high, 'high_up_proj', cfg.inputDim, half);
  const l = lin(low, 'low_up_proj', cfg.inputDim, half);
  let x: Float32Array = new Float32Array(tokens * n);
  for (let t = 0; t < tokens; t++) {
    x.set(h.subarray(t * half, (t + 1) * half), t * n);
    x.set(l.subarray(t * half, (t + 1) * half), t * n + half);
  }
  for (let i = 1; i < cfg.depth; i++) x = lin(geluInPlace(x), `layers.${2 * i - 1}`, n, n);
  return x;
}
