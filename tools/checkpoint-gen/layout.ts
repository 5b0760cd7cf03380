// What a DeepSeek-VL checkpoint holds: config.json and every tensor with its original name and
// shape (reference §8.2), for the real 1.3B/7B sizes and the tiny test sizes. Init statistics keep
// activations finite and of order one: linear/conv weights std 1/√fan_in, norms ≈ 1, biases small.
import { SAM_MODELS, SIGLIP_MODELS } from '../../src/model-builder/deepseek-vl/config.js';

export type Variant = '1.3b' | '7b';
export type Size = 'tiny' | 'full';

export interface TensorSpec {
  name: string;
  shape: number[];
  mean: number;
  std: number;
}

interface Dims {
  siglipModel: string;
  samModel: string | null;
  alignerInput: number;
  text: { hidden: number; intermediate: number; layers: number; heads: number; kvHeads: number; vocab: number };
}

export function dimsFor(variant: Variant, size: Size): Dims {
  if (size === 'tiny') {
    return {
      siglipModel: 'sightline_tiny_siglip',
      samModel: variant === '7b' ? 'sightline_tiny_sam' : null,
      alignerInput: 64,
      text: { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 4, vocab: 102400 },
    };
  }
  return variant === '7b'
    ? { siglipModel: 'siglip_large_patch16_384', samModel: 'sam_b_downsample', alignerInput: 1024, text: { hidden: 4096, intermediate: 11008, layers: 30, heads: 32, kvHeads: 32, vocab: 102400 } }
    : { siglipModel: 'siglip_large_patch16_384', samModel: null, alignerInput: 1024, text: { hidden: 2048, intermediate: 5632, layers: 24, heads: 16, kvHeads: 16, vocab: 102400 } };
}

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** config.json in the Hugging Face `multi_modality` layout (reference §1.2, §5). */
export function configJson(variant: Variant, size: Size, torchDtype: string): object {
  const d = dimsFor(variant, size);
  const tower = (model: string, imageSize: number, mean: number[] | null, std: number[] | null) => ({
    image_size: imageSize,
    model_name: model,
    ...(mean !== null ? { pixel_mean: mean, pixel_std: std } : {}),
    select_feature: 'same',
    select_layer: -1,
  });
  const vision =
    variant === '7b'
      ? {
          cls: 'HybridVisionTower',
          model_type: 'vision',
          params: {
            concat_type: 'tuple',
            freeze_high: true,
            freeze_low: true,
            high_res_cfg: { ...tower(d.samModel!, 1024, CLIP_MEAN, CLIP_STD), output_dim: 1024 },
            low_res_cfg: { ...tower(d.siglipModel, 384, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]), output_dim: 1024 },
          },
        }
      : { cls: 'CLIPVisionTower', model_type: 'vision', params: tower(d.siglipModel, 384, null, null) };
  const t = d.text;
  // The real 7B config sets only these keys and relies on LlamaConfig defaults (reference §5).
  const language =
    variant === '7b' && size === 'full'
      ? { max_position_embeddings: 16384, model_type: 'llama', num_hidden_layers: 30, torch_dtype: torchDtype, vocab_size: 102400 }
      : {
          hidden_size: t.hidden,
          intermediate_size: t.intermediate,
          max_position_embeddings: 16384,
          model_type: 'llama',
          num_attention_heads: t.heads,
          num_hidden_layers: t.layers,
          num_key_value_heads: t.kvHeads,
          rms_norm_eps: 1e-6,
          torch_dtype: torchDtype,
          vocab_size: t.vocab,
        };
  return {
    aligner_config: {
      cls: 'MlpProjector',
      model_type: 'aligner',
      params: { depth: 2, input_dim: d.alignerInput, n_embed: t.hidden, projector_type: variant === '7b' ? 'low_high_hybrid_split_mlp_gelu' : 'mlp_gelu' },
    },
    architectures: ['MultiModalityCausalLM'],
    language_config: language,
    model_type: 'multi_modality',
    torch_dtype: torchDtype,
    transformers_version: '4.38.2',
    vision_config: vision,
  };
}

class Specs {
  readonly list: TensorSpec[] = [];
  linear(name: string, out: number, inF: number, bias = true): void {
    this.list.push({ name: `${name}.weight`, shape: [out, inF], mean: 0, std: 1 / Math.sqrt(inF) });
    if (bias) this.bias(`${name}.bias`, out);
  }
  conv(name: string, out: number, inF: number, k: number, bias: boolean): void {
    this.list.push({ name: `${name}.weight`, shape: [out, inF, k, k], mean: 0, std: 1 / Math.sqrt(inF * k * k) });
    if (bias) this.bias(`${name}.bias`, out);
  }
  norm(name: string, width: number, bias = true): void {
    this.list.push({ name: `${name}.weight`, shape: [width], mean: 1, std: 0.1 });
    if (bias) this.bias(`${name}.bias`, width);
  }
  bias(name: string, width: number): void {
    this.list.push({ name, shape: [width], mean: 0, std: 0.1 });
  }
  param(name: string, shape: number[], mean: number, std: number): void {
    this.list.push({ name, shape, mean, std });
  }
}

function siglipTensors(s: Specs, p: string, model: string): void {
  const m = SIGLIP_MODELS[model]!;
  const w = m.width;
  const hidden = w * m.mlpRatio;
  s.conv(`${p}patch_embed.proj`, w, 3, 16, true);
  s.param(`${p}pos_embed`, [1, 576, w], 0, 0.5);
  for (let i = 0; i < m.layers; i++) {
    const b = `${p}blocks.${i}`;
    s.norm(`${b}.norm1`, w);
    s.linear(`${b}.attn.qkv`, 3 * w, w);
    s.linear(`${b}.attn.proj`, w, w);
    s.norm(`${b}.norm2`, w);
    s.linear(`${b}.mlp.fc1`, hidden, w);
    s.linear(`${b}.mlp.fc2`, w, hidden);
  }
  s.norm(`${p}norm`, w);
  // timm AttentionPoolLatent: stored in the checkpoint, never used (reference §3).
  s.param(`${p}attn_pool.latent`, [1, 1, w], 0, 0.02);
  s.linear(`${p}attn_pool.q`, w, w);
  s.linear(`${p}attn_pool.kv`, 2 * w, w);
  s.linear(`${p}attn_pool.proj`, w, w);
  s.norm(`${p}attn_pool.norm`, w);
  s.linear(`${p}attn_pool.mlp.fc1`, hidden, w);
  s.linear(`${p}attn_pool.mlp.fc2`, w, hidden);
}

function samTensors(s: Specs, p: string, model: string): void {
  const m = SAM_MODELS[model]!;
  const w = m.width;
  const headDim = w / m.heads;
  s.conv(`${p}patch_embed.proj`, w, 3, 16, true);
  s.param(`${p}pos_embed`, [1, 64, 64, w], 0, 0.5);
  for (let i = 0; i < m.depth; i++) {
    const b = `${p}blocks.${i}`;
    const span = m.globalAttnIndexes.includes(i) ? 64 : m.windowSize;
    s.norm(`${b}.norm1`, w);
    s.linear(`${b}.attn.qkv`, 3 * w, w);
    s.linear(`${b}.attn.proj`, w, w);
    s.param(`${b}.attn.rel_pos_h`, [2 * span - 1, headDim], 0, 0.1);
    s.param(`${b}.attn.rel_pos_w`, [2 * span - 1, headDim], 0, 0.1);
    s.norm(`${b}.norm2`, w);
    s.linear(`${b}.mlp.lin1`, 4 * w, w);
    s.linear(`${b}.mlp.lin2`, w, 4 * w);
  }
  for (const neck of ['neck', 'neck_hd']) {
    s.conv(`${p}${neck}.0`, m.neckChannels, w, 1, false);
    s.norm(`${p}${neck}.1`, m.neckChannels);
    s.conv(`${p}${neck}.2`, m.neckChannels, m.neckChannels, 3, false);
    s.norm(`${p}${neck}.3`, m.neckChannels);
  }
  s.conv(`${p}downsamples.0`, m.downsampleChannels[0], m.neckChannels, 3, false);
  s.conv(`${p}downsamples.1`, m.downsampleChannels[1], m.downsampleChannels[0], 3, false);
  // Zero-initialised in training; non-zero here so the hd side path (reference §2) is exercised.
  s.param(`${p}hd_alpha_downsamples`, [1], 0.5, 0.1);
}

/** Every tensor of the checkpoint, in the order they are written. */
export function tensorSpecs(variant: Variant, size: Size): TensorSpec[] {
  const d = dimsFor(variant, size);
  const s = new Specs();
  if (variant === '7b') {
    samTensors(s, 'vision_model.vision_tower_high.vision_tower.', d.samModel!);
    siglipTensors(s, 'vision_model.vision_tower_low.vision_tower.', d.siglipModel);
    // HybridVisionTower builds these norms but never uses them (reference §4).
    s.norm('vision_model.high_layer_norm', d.alignerInput);
    s.norm('vision_model.low_layer_norm', d.alignerInput);
    s.linear('aligner.high_up_proj', d.text.hidden / 2, d.alignerInput);
    s.linear('aligner.low_up_proj', d.text.hidden / 2, d.alignerInput);
    s.linear('aligner.layers.1', d.text.hidden, d.text.hidden);
  } else {
    siglipTensors(s, 'vision_model.vision_tower.', d.siglipModel);
    s.linear('aligner.layers.0', d.text.hidden, d.alignerInput);
    s.linear('aligner.layers.2', d.text.hidden, d.text.hidden);
  }
  const t = d.text;
  const headDim = t.hidden / t.heads;
  s.param('language_model.model.embed_tokens.weight', [t.vocab, t.hidden], 0, 1);
  for (let i = 0; i < t.layers; i++) {
    const l = `language_model.model.layers.${i}`;
    s.linear(`${l}.self_attn.q_proj`, t.heads * headDim, t.hidden, false);
    s.linear(`${l}.self_attn.k_proj`, t.kvHeads * headDim, t.hidden, false);
    s.linear(`${l}.self_attn.v_proj`, t.kvHeads * headDim, t.hidden, false);
    s.linear(`${l}.self_attn.o_proj`, t.hidden, t.heads * headDim, false);
    s.linear(`${l}.mlp.gate_proj`, t.intermediate, t.hidden, false);
    s.linear(`${l}.mlp.up_proj`, t.intermediate, t.hidden, false);
    s.linear(`${l}.mlp.down_proj`, t.hidden, t.intermediate, false);
    s.norm(`${l}.input_layernorm`, t.hidden, false);
    s.norm(`${l}.post_attention_layernorm`, t.hidden, false);
  }
  s.norm('language_model.model.norm', t.hidden, false);
  s.linear('language_model.lm_head', t.vocab, t.hidden, false);
  return s.list;
}
