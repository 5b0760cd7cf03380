// What a part builder (vision encoder, embeddings, decoder) needs: the graph it adds to, the
// checkpoint it reads weights from by their original names, and the storage precision. Weights are
// streamed from the checkpoint into the graph's external data file in chunks, so peak memory stays
// near the largest single tensor even for the 7B model.
import { CheckpointError, type Checkpoint } from './safetensors.js';
import type { DeepseekVlConfig } from './deepseek-vl/config.js';
import { attr, type Graph } from './onnx/graph.js';
import { cast, matmul } from './onnx/ops.js';
import { float32ToFloat16Bits } from './onnx/float16.js';
import { INT4_BLOCK, quantizeInt4Streaming } from './int4.js';

export { INT4_BLOCK };

export type BuildDType = 'fp32' | 'fp16' | 'int4';
export const BUILD_DTYPES: readonly BuildDType[] = ['fp32', 'fp16', 'int4'];

/** Tensors this small (norm scales, biases, positional tables of tiny models) stay float32 at every dtype. */
const SMALL_TENSOR_ELEMENTS = 65536;
/** Elements converted per write, bounding the temporary copies (16 MiB of float32). */
const CHUNK_ELEMENTS = 4 * 1024 * 1024;

export interface BuildContext {
  graph: Graph;
  checkpoint: Checkpoint;
  config: DeepseekVlConfig;
  dtype: BuildDType;
  /**
   * Loads `name`, checks it has `shape`, stores it (float16 under fp16/int4, with a Cast back to
   * float32 so compute stays fp32) and returns the float32 value to use.
   */
  weight(name: string, shape: number[]): string;
  /**
   * Like `weight` but returns the value as stored (no Cast), with its element type; for ops that
   * are cheaper on the stored form, e.g. a Gather of embedding rows before the Cast.
   */
  storedWeight(name: string, shape: number[]): { value: string; dtype: 'float32' | 'float16' };
  /**
   * y = x · Wᵀ (+ b) for a PyTorch nn.Linear `${prefix}.weight` [out,in] (+ `${prefix}.bias`; by
   * default used when the checkpoint has it). int4 → com.microsoft MatMulNBits (block 32,
   * symmetric) unless quantize is false; otherwise MatMul on a pre-transposed [in,out] initializer.
   */
  linear(x: string, prefix: string, inFeatures: number, outFeatures: number, opts?: { bias?: boolean; quantize?: boolean }): string;
  /** One tensor/part done, for the progress bar. */
  progress(done: string): void;
}

export function createBuildContext(opts: { checkpoint: Checkpoint; graph: Graph; dtype: BuildDType; onProgress?: (s: string) => void }): BuildContext {
  return new WeightLoader(opts.checkpoint, opts.graph, opts.dtype, opts.onProgress);
}

class WeightLoader implements BuildContext {
  readonly config: DeepseekVlConfig;
  /** Values already emitted, keyed by tensor name and form, so shared weights are stored once. */
  private readonly emitted = new Map<string, string>();

  constructor(
    readonly checkpoint: Checkpoint,
    readonly graph: Graph,
    readonly dtype: BuildDType,
    private readonly onProgress?: (s: string) => void,
  ) {
    this.config = checkpoint.config;
  }

  progress(done: string): void {
    this.onProgress?.(done);
  }

  weight(name: string, shape: number[]): string {
    const key = `weight:${name}`;
    const cached = this.emitted.get(key);
    if (cached !== undefined) return cached;
    const stored = this.storedWeight(name, shape);
    const value = stored.dtype === 'float32' ? stored.value : this.graph.scope(name, () => cast(this.graph, stored.value, 'float32'));
    this.emitted.set(key, value);
    return value;
  }

  storedWeight(name: string, shape: number[]): { value: string; dtype: 'float32' | 'float16' } {
    this.checkShape(name, shape);
    const count = shape.reduce((a, b) => a * b, 1);
    const dtype = this.storesHalf(count) ? 'float16' : 'float32';
    const key = `stored:${name}`;
    const cached = this.emitted.get(key);
    if (cached !== undefined) return { value: cached, dtype };
    const value = this.graph.streamInitializer(name, dtype, shape, (write) => {
      for (let start = 0; start < count; start += CHUNK_ELEMENTS) {
        const chunk = this.checkpoint.readFloat32Range(name, start, Math.min(CHUNK_ELEMENTS, count - start));
        write(encode(chunk, dtype));
      }
    });
    this.emitted.set(key, value);
    this.progress(name);
    return { value, dtype };
  }

  linear(x: string, prefix: string, inFeatures: number, outFeatures: number, opts: { bias?: boolean; quantize?: boolean } = {}): string {
    const g = this.graph;
    const weightName = `${prefix}.weight`;
    const biasName = `${prefix}.bias`;
    const useBias = opts.bias ?? this.checkpoint.has(biasName);
    return g.scope(prefix, () => {
      const y =
        this.dtype === 'int4' && opts.quantize !== false
          ? this.matmulNBits(x, weightName, inFeatures, outFeatures)
          : matmul(g, x, this.transposedWeight(weightName, inFeatures, outFeatures));
      return useBias ? g.op('Add', [y, this.weight(biasName, [outFeatures])]) : y;
    });
  }

  /** W [out,in] stored as Wᵀ [in,out] so a plain MatMul computes x·Wᵀ. */
  private transposedWeight(name: string, inF: number, outF: number): string {
    const key = `transposed:${name}`;
    const cached = this.emitted.get(key);
    if (cached !== undefined) return cached;
    this.checkShape(name, [outF, inF]);
    const w = this.checkpoint.readFloat32(name);
    const dtype = this.storesHalf(w.length) ? 'float16' : 'float32';
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / outF));
    const stored = this.graph.streamInitializer(`${name}.T`, dtype, [inF, outF], (write) => {
      const buf = new Float32Array(rowsPerChunk * outF);
      for (let i0 = 0; i0 < inF; i0 += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, inF - i0);
        // Tile over the source rows so each source read is a short contiguous run.
        for (let j = 0; j < outF; j++) {
          const src = j * inF + i0;
          for (let r = 0; r < rows; r++) buf[r * outF + j] = w[src + r]!;
        }
        write(encode(buf.subarray(0, rows * outF), dtype));
      }
    });
    const value = dtype === 'float32' ? stored : cast(this.graph, stored, 'float32');
    this.emitted.set(key, value);
    this.progress(name);
    return value;
  }

  /** int4 MatMulNBits (scheme in int4.ts); packed weights and scales are stored once per tensor. */
  private matmulNBits(x: string, name: string, inF: number, outF: number): string {
    const key = `q4:${name}`;
    let packed = this.emitted.get(key);
    let scalesName = this.emitted.get(`${key}:scales`);
    if (packed === undefined || scalesName === undefined) {
      this.checkShape(name, [outF, inF]);
      const q = quantizeInt4Streaming(this.checkpoint, name, outF, inF);
      packed = this.graph.streamInitializer(`${name}.q4`, 'uint8', [outF, q.blocksPerRow, INT4_BLOCK / 2], q.produce);
      scalesName = this.graph.initializer(`${name}.q4_scales`, { dtype: 'float32', dims: [outF * q.blocksPerRow], data: q.scales() });
      this.emitted.set(key, packed);
      this.emitted.set(`${key}:scales`, scalesName);
      this.progress(name);
    }
    // accuracy_level 4: int8 activations in the kernel. Measured in docs/benchmarks.md ("Decoder"):
    // 1.35x faster prefill and 1.2–1.4x faster decode steps on CPU, with no change in the distance
    // from fp32 on the tiny checkpoints (0.11–0.15 at both levels, random weights).
    return this.graph.op(
      'MatMulNBits',
      [x, packed, scalesName],
      { K: attr.int(inF), N: attr.int(outF), bits: attr.int(4), block_size: attr.int(INT4_BLOCK), accuracy_level: attr.int(4) },
      'com.microsoft',
    );
  }

  private storesHalf(count: number): boolean {
    return this.dtype !== 'fp32' && count >= SMALL_TENSOR_ELEMENTS;
  }

  private checkShape(name: string, shape: number[]): void {
    const info = this.checkpoint.info(name);
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${this.checkpoint.dir}/${info.file}: tensor "${name}": expected shape [${shape.join(', ')}], found [${info.shape.join(', ')}]`);
    }
  }
}

function encode(chunk: Float32Array, dtype: 'float32' | 'float16'): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const half = float32ToFloat16Bits(chunk);
  return new Uint8Array(half.buffer);
}
