// Weight access for the plain-TypeScript reference forward pass.
// The reference reads tensors by their checkpoint names (reference/deepseek-vl.md §8.2) through this
// one-function interface, so it can be fed from any reader (tests adapt B1's `openCheckpoint`).

export interface RefTensor {
  shape: number[];
  data: Float32Array;
}

export type WeightSource = (name: string) => RefTensor;

/** Reads `name` and checks its shape, so a layout mistake fails loudly instead of computing garbage. */
export function takeWeight(src: WeightSource, name: string, shape: number[]): Float32Array {
  const t = src(name);
  const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!same) {
    throw new Error(`reference: tensor ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return t.data;
}
