// Plain-TypeScript forward pass of the DeepSeek-VL language model (a HF LLaMA, reference §5):
// the independent side of the decoder parity tests. It never touches ONNX or the graph builders.
import { addInPlace, linear, rmsNorm, silu } from './math.js';
import { expectTensor, type WeightSource } from './weights.js';

export interface RefTextConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
}

interface LayerWeights {
  inputNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  postNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

/** Keys and values seen so far, per layer, laid out [kvHeads, capacity, headDim]. */
export class RefKvCache {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  length = 0;
  constructor(readonly cfg: RefTextConfig, readonly capacity: number) {
    const size = cfg.numKvHeads * capacity * cfg.headDim;
    this.keys = Array.from({ length: cfg.numLayers }, () => new Float32Array(size));
    this.values = Array.from({ length: cfg.numLayers }, () => new Float32Array(size));
  }
}

const LM = 'language_model.';

export class RefLlama {
  private readonly embed: Float32Array;
  private readonly layers: LayerWeights[];
  private readonly finalNorm: Float32Array;
  private readonly lmHead: Float32Array;

  constructor(readonly cfg: RefTextConfig, weights: WeightSource) {
    const { hiddenSize: d, intermediateSize: f, numHeads: nh, numKvHeads: nkv, headDim: hd, vocabSize: v } = cfg;
    this.embed = expectTensor(weights, `${LM}model.embed_tokens.weight`, [v, d]);
    this.layers = Array.from({ length: cfg.numLayers }, (_, i) => {
      const p = `${LM}model.layers.${i}.`;
      return {
        inputNorm: expectTensor(weights, `${p}input_layernorm.weight`, [d]),
        q: expectTensor(weights, `${p}self_attn.q_proj.weight`, [nh * hd, d]),
        k: expectTensor(weights, `${p}self_attn.k_proj.weight`, [nkv * hd, d]),
        v: expectTensor(weights, `${p}self_attn.v_proj.weight`, [nkv * hd, d]),
        o: expectTensor(weights, `${p}self_attn.o_proj.weight`, [d, nh * hd]),
        postNorm: expectTensor(weights, `${p}post_attention_layernorm.weight`, [d]),
        gate: expectTensor(weights, `${p}mlp.gate_proj.weight`, [f, d]),
        up: expectTensor(weights, `${p}mlp.up_proj.weight`, [f, d]),
        down: expectTensor(weights, `${p}mlp.down_proj.weight`, [d, f]),
      };
    });
    this.finalNorm = expectTensor(weights, `${LM}model.norm.weight`, [d]);
    this.lmHead = expectTensor(weights, `${LM}lm_head.weight`, [v, d]);
  }

  /** Row lookup in the token embedding table: [T] ids → [T, d]. */
  embedTokens(ids: readonly number[]): Float32Array {
    const d = this.cfg.hiddenSize;
    const out = new Float32Array(ids.length * d);
    ids.forEach((id, t) => out.set(this.embed.subarray(id * d, (id + 1) * d), t * d));
    return out;
  }

  /**
   * Runs T new positions through every layer, appending their keys/values to `cache`, and returns
   * the logits [rows, vocab] of the last `keepLast` positions (all when keepLast is 0).
   */
  forward(embeds: Float32Array, positions: readonly number[], cache: RefKvCache, keepLast = 0): Float32Array {
    const T = positions.length;
    let h: Float32Array = Float32Array.from(embeds);
    this.layers.forEach((w, i) => {
      h = this.layer(h, positions, w, cache.keys[i]!, cache.values[i]!, cache.length, cache.capacity);
    });
    cache.length += T;
    const rows = keepLast === 0 ? T : Math.min(keepLast, T);
    const d = this.cfg.hiddenSize;
    const tail = rmsNorm(h.subarray((T - rows) * d), rows, d, this.finalNorm, this.cfg.rmsNormEps);
    return linear(tail, rows, this.lmHead, d, this.cfg.vocabSize);
  }

  /** Pre-norm decoder layer: h + attn(norm(h)), then + mlp(norm(·)) (HF LlamaDecoderLayer). */
  private layer(h: Float32Array, positions: readonly number[], w: LayerWeights,
    keys: Float32Array, values: Float32Array, past: number, capacity: number): Float32Array {
    const { hiddenSize: d, intermediateSize: f, numHeads: nh, numKvHeads: nkv, headDim: hd, rmsNormEps: eps } = this.cfg;
    const T = positions.length;
    const x = rmsNorm(h, T, d, w.inputNorm, eps);
    const q = linear(x, T, w.q, d, nh * hd);
    const k = linear(x, T, w.k, d, nkv * hd);
    const v = linear(x, T, w.v, d, nkv * hd);
    for (let t = 0; t < T; t++) {
      for (let head = 0; head < nh; head++) this.rope(q, (t * nh + head) * hd, positions[t]!);
      for (let head = 0; head < nkv; head++) {
        this.rope(k, (t * nkv + head) * hd, positions[t]!);
        const dst = (head * capacity + past + t) * hd;
        keys.set(k.subarray((t * nkv + head) * hd, (t * nkv + head + 1) * hd), dst);
        values.set(v.subarray((t * nkv + head) * hd, (t * nkv + head + 1) * hd), dst);
      }
    }
    const attn = this.attention(q, T, keys, values, past, capacity);
    const out = Float32Array.from(h);
    addInPlace(out, linear(attn, T, w.o, nh * hd, d));
    const y = rmsNorm(out, T, d, w.postNorm, eps);
    const gate = linear(y, T, w.gate, d, f);
    const up = linear(y, T, w.up, d, f);
    for (let i = 0; i < gate.length; i++) gate[i] = silu(gate[i]!) * up[i]!;
    addInPlace(out, linear(gate, T, w.down, f, d));
    return out;
  }

  /** HF rotate_half RoPE: pairs (i, i + hd/2) share frequency θ^(−2i/hd) (reference §5). */
  private rope(x: Float32Array, offset: number, pos: number): void {
    const hd = this.cfg.headDim;
    const half = hd / 2;
    for (let i = 0; i < half; i++) {
      const angle = pos / Math.pow(this.cfg.ropeTheta, (2 * i) / hd);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      const a = x[offset + i]!;
      const b = x[offset + i + half]!;
      x[offset + i] = a * c - b * s;
      x[offset + i + half] = b * c + a * s;
    }
  }

  /** Causal softmax attention of T new queries over past + T cached keys; query heads share kv heads in groups. */
  private attention(q: Float32Array, T: number, keys: Float32Array, values: Float32Array, past: number, capacity: number): Float32Array {
    const { numHeads: nh, numKvHeads: nkv, headDim: hd } = this.cfg;
    const group = nh / nkv;
    const scale = 1 / Math.sqrt(hd);
    const out = new Float32Array(T * nh * hd);
    for (let t = 0; t < T; t++) {
      const visible = past + t + 1;
      for (let head = 0; head < nh; head++) {
        const kvBase = Math.floor(head / group) * capacity * hd;
        const qo = (t * nh + head) * hd;
        const scores = new Float64Array(visible);
        let max = -Infinity;
        for (let j = 0; j < visible; j++) {
          let s = 0;
          for (let i = 0; i < hd; i++) s += q[qo + i]! * keys[kvBase + j * hd + i]!;
          scores[j] = s * scale;
          max = Math.max(max, scores[j]!);
        }
        let z = 0;
        for (let j = 0; j < visible; j++) z += scores[j] = Math.exp(scores[j]! - max);
        for (let i = 0; i < hd; i++) {
          let acc = 0;
          for (let j = 0; j < visible; j++) acc += scores[j]! * values[kvBase + j * hd + i]!;
          out[qo + i] = acc / z;
        }
      }
    }
    return out;
  }
}
