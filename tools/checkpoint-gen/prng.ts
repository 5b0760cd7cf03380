// Deterministic, fast pseudo-random weights. Timing does not depend on weight values (DESIGN.md
// "Models"), so a uniform distribution with the intended standard deviation is enough; it keeps
// generation of a 7B checkpoint (7.3 G values) to plain integer arithmetic.

/** FNV-1a of a string mixed with the seed: each tensor gets its own stream, independent of order. */
export function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0 || 0x9e3779b9;
}

/** xorshift32 state advanced in place; fills `out` with uniform values of mean `mean` and std `std`. */
export class UniformStream {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }

  fill(out: Float32Array, mean: number, std: number): void {
    // U(-a, a) has std a/√3.
    const scale = (std * Math.sqrt(3)) / 2 ** 31;
    let s = this.s;
    for (let i = 0; i < out.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = mean + (s | 0) * scale;
    }
    this.s = s;
  }
}
