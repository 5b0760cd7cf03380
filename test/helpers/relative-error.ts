// The one accuracy measure every ONNX-vs-reference test uses.

/** max |a − b| / max |b|: one number per tensor that is scale-free and strict on the largest values. */
export function relativeError(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}
