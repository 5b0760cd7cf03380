// Plain typed-array kernels for the reference forward pass. Accumulation in float64 so the
// reference is the more exact side of every comparison.

/** y[t, o] = Σ_i x[t, i] · w[o, i] for a PyTorch nn.Linear weight w [out, in]. */
export function linear(x: Float32Array, rows: number, w: Float32Array, inF: number, outF: number): Float32Array {
  const y = new Float32Array(rows * outF);
  for (let t = 0; t < rows; t++) {
    const xo = t * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let s = 0;
      for (let i = 0; i < inF; i++) s += x[xo + i]! * w[wo + i]!;
      y[t * outF + o] = s;
    }
  }
  return y;
}

/** LLaMA RMSNorm: x / sqrt(mean(x²) + eps) · weight, per row (no bias, no mean subtraction). */
export function rmsNorm(x: Float32Array, rows: number, d: number, weight: Float32Array, eps: number): Float32Array {
  const y = new Float32Array(rows * d);
  for (let t = 0; t < rows; t++) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[t * d + i]! * x[t * d + i]!;
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let i = 0; i < d; i++) y[t * d + i] = x[t * d + i]! * inv * weight[i]!;
  }
  return y;
}

export function silu(v: number): number {
  return v / (1 + Math.exp(-v));
}

export function addInPlace(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}
