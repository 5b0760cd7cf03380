/** A float32 tensor as the reference reads it: row-major data with its shape. */
export interface RefTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Where the reference gets its weights, by exact checkpoint name (reference §8.2).
 * `(name) => ({ shape: cp.info(name).shape, data: cp.readFloat32(name) })` adapts a Checkpoint.
 */
export type WeightSource = (name: string) => RefTensor;

/** Reads `name` and checks its shape, so a wrong tensor fails here rather than as bad numbers. */
export function expectTensor(source: WeightSource, name: string, shape: number[]): Float32Array {
  const t = source(name);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`reference: tensor ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return t.data;
}
