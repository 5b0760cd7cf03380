// One pre-allocated key and value buffer per decoder layer, [1, kvHeads, maxLength, headDim] float32.
// The same Tensor is fed as past_key_values.{i}.* and fetched as present.{i}.*: GroupQueryAttention
// writes each new position's keys/values into it in place, so a decode step never copies the cache
// (DESIGN.md "Execution").
import { Tensor } from 'onnxruntime-node';
import { decoderIo } from './decoder-io.js';

export interface KvLayout {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
  /** Positions the buffers hold: prompt plus everything generated. */
  maxLength: number;
}

export class KvCache {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  private readonly keyTensors: Tensor[];
  private readonly valueTensors: Tensor[];
  /** Positions already written. */
  private filled = 0;

  constructor(readonly layout: KvLayout) {
    const { numLayers, numKvHeads, headDim, maxLength } = layout;
    const dims = [1, numKvHeads, maxLength, headDim];
    const size = numKvHeads * maxLength * headDim;
    this.keys = Array.from({ length: numLayers }, () => new Float32Array(size));
    this.values = Array.from({ length: numLayers }, () => new Float32Array(size));
    this.keyTensors = this.keys.map((b) => new Tensor('float32', b, dims));
    this.valueTensors = this.values.map((b) => new Tensor('float32', b, dims));
  }

  get length(): number {
    return this.filled;
  }

  /** Bytes held by all buffers (2 · layers · kvHeads · maxLength · headDim · 4). */
  get bytes(): number {
    const { numLayers, numKvHeads, headDim, maxLength } = this.layout;
    return 2 * numLayers * numKvHeads * maxLength * headDim * 4;
  }

  /** Throws before a run that would write past the end of the buffers. */
  ensureRoom(newPositions: number): void {
    if (this.filled + newPositions > this.layout.maxLength) {
      throw new Error(`KV cache full: ${this.filled} positions held + ${newPositions} new exceeds maxLength ${this.layout.maxLength}; ` +
        'open the decoder with a larger maxLength or start a new conversation');
    }
  }

  /** Adds the past inputs (feeds) and present outputs (fetches), both the same buffers. */
  bind(feeds: Record<string, Tensor>, fetches: Record<string, Tensor | null>): void {
    for (let i = 0; i < this.layout.numLayers; i++) {
      feeds[decoderIo.pastKey(i)] = this.keyTensors[i]!;
      feeds[decoderIo.pastValue(i)] = this.valueTensors[i]!;
      fetches[decoderIo.presentKey(i)] = this.keyTensors[i]!;
      fetches[decoderIo.presentValue(i)] = this.valueTensors[i]!;
    }
  }

  /** Records that a run wrote `n` more positions. */
  advance(n: number): void {
    this.filled += n;
  }

  /** Forgets the contents; stale values past `length` are never read (seqlens_k bounds attention). */
  clear(): void {
    this.filled = 0;
  }
}
