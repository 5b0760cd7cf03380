// The language model at run time: embed_tokens.onnx + decoder.onnx in onnxruntime-node, a prompt
// prefill and single-token steps against one in-place KV cache, and greedy token choice.
// Batch 1, no padding: position ids are 0…length−1 (cumsum(attention_mask) − 1 with an all-ones mask).
import { join } from 'node:path';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { createOnnxSession, type Device } from '../inference/onnx-session.js';
import { DECODER_FILE, EMBED_TOKENS_FILE, decoderIo } from './decoder-io.js';
import { KvCache, type KvLayout } from './kv-cache.js';

export interface DecoderSessionOptions {
  /** Folder holding embed_tokens.onnx and decoder.onnx (+ .onnx.data), as `sightline build-model` writes it. */
  modelDir: string;
  /** KV capacity in positions (prompt + generated). */
  maxLength: number;
  /** onnxruntime intra-op threads; its default (all cores) when omitted. */
  threads?: number;
  /** Where the graphs run (src/inference/onnx-session.ts); default cpu. */
  device?: Device;
}

export class DecoderSession {
  readonly cache: KvCache;
  private readonly ones: BigInt64Array;

  private constructor(
    private readonly embedder: InferenceSession,
    private readonly decoder: InferenceSession,
    readonly hiddenSize: number,
    readonly vocabSize: number,
    layout: KvLayout,
  ) {
    this.cache = new KvCache(layout);
    // attention_mask is always all ones; each run views a prefix of this one array.
    this.ones = new BigInt64Array(layout.maxLength).fill(1n);
  }

  static async open(opts: DecoderSessionOptions): Promise<DecoderSession> {
    const open = async (file: string) =>
      (
        await createOnnxSession(join(opts.modelDir, file), {
          device: opts.device ?? 'cpu',
          ...(opts.threads === undefined ? {} : { threads: opts.threads }),
          label: 'language model',
          fileHint: `build it with \`sightline build-model <checkpoint dir> --out ${opts.modelDir}\``,
        })
      ).session;
    const embedder = await open(EMBED_TOKENS_FILE);
    const decoder = await open(DECODER_FILE);
    const dims = readDims(decoder, join(opts.modelDir, DECODER_FILE));
    return new DecoderSession(embedder, decoder, dims.hiddenSize, dims.vocabSize, { ...dims.kv, maxLength: opts.maxLength });
  }

  /** Token ids → their embeddings [ids.length, hiddenSize] (embed_tokens.onnx). */
  async embed(ids: readonly number[]): Promise<Float32Array> {
    const input = new Tensor('int64', BigInt64Array.from(ids, (id) => BigInt(id)), [1, ids.length]);
    const out = await this.embedder.run({ [decoderIo.inputIds]: input });
    return out[decoderIo.inputsEmbeds]!.data as Float32Array;
  }

  /**
   * Runs `embeds` [T, hiddenSize] as the next T positions (a whole prompt, or one generated token),
   * writing their keys/values into the cache, and returns the logits [keep, vocab] of the last
   * `keep` positions (0: all T).
   */
  async append(embeds: Float32Array, keep = 1): Promise<Float32Array> {
    const T = embeds.length / this.hiddenSize;
    if (!Number.isInteger(T) || T === 0) {
      throw new Error(`decoder: embeddings hold ${embeds.length} values, not a positive multiple of hidden size ${this.hiddenSize}`);
    }
    this.cache.ensureRoom(T);
    const past = this.cache.length;
    const total = past + T;
    const positions = new BigInt64Array(T);
    for (let t = 0; t < T; t++) positions[t] = BigInt(past + t);
    const feeds: Record<string, Tensor> = {
      [decoderIo.inputsEmbeds]: new Tensor('float32', embeds, [1, T, this.hiddenSize]),
      [decoderIo.attentionMask]: new Tensor('int64', this.ones.subarray(0, total), [1, total]),
      [decoderIo.positionIds]: new Tensor('int64', positions, [1, T]),
      [decoderIo.numLogitsToKeep]: new Tensor('int64', BigInt64Array.of(BigInt(keep)), []),
    };
    const fetches: Record<string, Tensor | null> = { [decoderIo.logits]: null };
    this.cache.bind(feeds, fetches);
    const out = await this.decoder.run(feeds, fetches);
    this.cache.advance(T);
    return out[decoderIo.logits]!.data as Float32Array;
  }

  /** Embeds and runs a prompt; returns the last position's logits. */
  async prefill(ids: readonly number[]): Promise<Float32Array> {
    return this.append(await this.embed(ids), 1);
  }

  /** One decode step for the token just chosen; returns its logits. */
  async step(id: number): Promise<Float32Array> {
    return this.append(await this.embed([id]), 1);
  }

  /** Starts a new sequence in the same buffers. */
  reset(): void {
    this.cache.clear();
  }

  async release(): Promise<void> {
    await this.embedder.release();
    await this.decoder.release();
  }
}

/** Index of the largest logit among the first `vocab` (greedy decoding). */
export function argmax(logits: Float32Array, vocab = logits.length): number {
  let best = 0;
  for (let i = 1; i < vocab; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** The decoder describes itself: layer count, kv heads and head size from its past inputs, d and vocab from embeds/logits. */
function readDims(decoder: InferenceSession, file: string): { hiddenSize: number; vocabSize: number; kv: Omit<KvLayout, 'maxLength'> } {
  const fixed = (meta: InferenceSession.ValueMetadata | undefined, axis: number): number => {
    const dim = meta?.isTensor ? meta.shape[axis] : undefined;
    if (typeof dim !== 'number') throw new Error(`${file}: ${meta?.name ?? 'an expected input/output'} has no fixed dim ${axis}; rebuild it with this version of sightline`);
    return dim;
  };
  const input = (name: string) => decoder.inputMetadata.find((m) => m.name === name);
  const numLayers = decoder.inputMetadata.filter((m) => /^past_key_values\.\d+\.key$/.test(m.name)).length;
  if (numLayers === 0) throw new Error(`${file}: no ${decoderIo.pastKey(0)} input; this is not a sightline decoder`);
  const past = input(decoderIo.pastKey(0));
  return {
    hiddenSize: fixed(input(decoderIo.inputsEmbeds), 2),
    vocabSize: fixed(decoder.outputMetadata.find((m) => m.name === decoderIo.logits), 2),
    kv: { numLayers, numKvHeads: fixed(past, 1), headDim: fixed(past, 3) },
  };
}
