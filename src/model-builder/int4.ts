// int4 weights for onnxruntime's com.microsoft MatMulNBits: block-wise symmetric quantisation
// along the input dimension, streamed from the checkpoint row-chunk by row-chunk.
import type { Checkpoint } from './safetensors.js';

/** Quantisation block (MatMulNBits `block_size`); symmetric, so the default zero point 8 applies. */
export const INT4_BLOCK = 32;
/** Elements read per chunk (16 MiB of float32). */
const CHUNK_ELEMENTS = 4 * 1024 * 1024;

/** Quantises one [N,K] weight row-chunk by row-chunk; scales are collected while the bytes stream out. */
export function quantizeInt4Streaming(ckpt: Checkpoint, name: string, n: number, k: number) {
  const blocksPerRow = Math.ceil(k / INT4_BLOCK);
  const scales = new Float32Array(n * blocksPerRow);
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / k));
  const produce = (write: (chunk: Uint8Array) => void): void => {
    for (let r0 = 0; r0 < n; r0 += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, n - r0);
      const w = ckpt.readFloat32Range(name, r0 * k, rows * k);
      const out = new Uint8Array(rows * blocksPerRow * (INT4_BLOCK / 2));
      for (let r = 0; r < rows; r++) quantizeRow(w.subarray(r * k, (r + 1) * k), out, r * blocksPerRow, scales, (r0 + r) * blocksPerRow);
      write(out);
    }
  };
  return { blocksPerRow, produce, scales: () => scales };
}

/**
 * One output row: per block of 32 inputs, scale = max|w| / 7 and q = round(w · (1/scale)) + 8 in
 * [1, 15]; two values per byte with the even element in the low nibble (MatMulNBits layout
 * [N, blocks, 16]); a short last block is padded with the zero code 8.
 */
export function quantizeRow(row: Float32Array, out: Uint8Array, blockBase: number, scales: Float32Array, scaleBase: number): void {
  const blocks = Math.ceil(row.length / INT4_BLOCK);
  for (let b = 0; b < blocks; b++) {
    const start = b * INT4_BLOCK;
    const end = Math.min(start + INT4_BLOCK, row.length);
    let amax = 0;
    for (let i = start; i < end; i++) amax = Math.max(amax, Math.abs(row[i]!));
    const scale = amax / 7;
    scales[scaleBase + b] = scale;
    const inv = scale === 0 ? 0 : 1 / scale;
    const byteBase = (blockBase + b) * (INT4_BLOCK / 2);
    for (let i = 0; i < INT4_BLOCK; i += 2) {
      const lo = start + i < end ? Math.min(15, Math.max(0, Math.round(row[start + i]! * inv) + 8)) : 8;
      const hi = start + i + 1 < end ? Math.min(15, Math.max(0, Math.round(row[start + i + 1]! * inv) + 8)) : 8;
      out[byteBase + i / 2] = lo | (hi << 4);
    }
  }
}
