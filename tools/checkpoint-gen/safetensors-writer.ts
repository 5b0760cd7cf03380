// Writes a safetensors file (8-byte little-endian header length, JSON header, raw data) with the
// data generated and written in chunks, so a 5 GB shard never sits in memory.
import { closeSync, openSync, writeSync } from 'node:fs';
import { float32ToBfloat16Bits, float32ToFloat16Bits } from '../../src/model-builder/onnx/float16.js';
import { streamSeed, UniformStream } from './prng.js';
import type { TensorSpec } from './layout.js';

export type GenDType = 'bf16' | 'fp16' | 'f32';

const STORED: Record<GenDType, { name: string; bytes: number }> = {
  bf16: { name: 'BF16', bytes: 2 },
  fp16: { name: 'F16', bytes: 2 },
  f32: { name: 'F32', bytes: 4 },
};

const CHUNK = 1 << 20;

export function tensorByteLength(spec: TensorSpec, dtype: GenDType): number {
  return spec.shape.reduce((a, b) => a * b, 1) * STORED[dtype].bytes;
}

/** Writes `specs` into one safetensors file; returns the bytes of tensor data written. */
export function writeSafetensors(path: string, specs: TensorSpec[], dtype: GenDType, seed: number): number {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const s of specs) {
    const len = tensorByteLength(s, dtype);
    header[s.name] = { dtype: STORED[dtype].name, shape: s.shape, data_offsets: [offset, offset + len] };
    offset += len;
  }
  let json = JSON.stringify(header);
  // The format pads the header with spaces so the data starts 8-byte aligned.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(headerBytes.length));
    writeSync(fd, len);
    writeSync(fd, headerBytes);
    const values = new Float32Array(CHUNK);
    const half = new Uint16Array(CHUNK);
    for (const s of specs) {
      const rng = new UniformStream(streamSeed(seed, s.name));
      const count = s.shape.reduce((a, b) => a * b, 1);
      for (let done = 0; done < count; done += CHUNK) {
        const n = Math.min(CHUNK, count - done);
        const v = values.subarray(0, n);
        rng.fill(v, s.mean, s.std);
        if (dtype === 'f32') writeSync(fd, new Uint8Array(v.buffer, 0, n * 4));
        else {
          const h = half.subarray(0, n);
          if (dtype === 'bf16') float32ToBfloat16Bits(v, h);
          else float32ToFloat16Bits(v, h);
          writeSync(fd, new Uint8Array(h.buffer, 0, n * 2));
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return offset;
}
