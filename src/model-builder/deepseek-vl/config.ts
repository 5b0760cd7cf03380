// Parses a DeepSeek-VL config.json (Hugging Face `multi_modality` layout, reference §0, §1.2, §5)
// once, at the boundary, into plain dims. Vision dims are not in config.json: like DeepSeek-VL's
// own code they come from `model_name` through a table.
import { z } from 'zod';

export interface SamConfig {
  modelName: string;
  imageSize: 1024;
  patchSize: 16;
  width: number;
  depth: number;
  heads: number;
  windowSize: number;
  globalAttnIndexes: number[];
  neckChannels: number;
  downsampleChannels: [number, number];
  pixelMean: number[] | null;
  pixelStd: number[] | null;
}
export interface SiglipConfig {
  modelName: string;
  imageSize: 384;
  patchSize: 16;
  width: number;
  layers: number;
  heads: number;
  mlpRatio: number;
  pixelMean: number[] | null;
  pixelStd: number[] | null;
}
export interface AlignerConfig {
  type: 'mlp_gelu' | 'low_high_hybrid_split_mlp_gelu';
  depth: number;
  inputDim: number;
  nEmbed: number;
}
export interface TextConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
}
export interface DeepseekVlConfig {
  /** 'siglip' = 1.3B (SigLIP only), 'hybrid' = 7B (SAM + SigLIP). */
  variant: 'siglip' | 'hybrid';
  siglip: SiglipConfig;
  sam: SamConfig | null;
  aligner: AlignerConfig;
  text: TextConfig;
  /** Tensor-name prefix of the SigLIP tower (reference §8.2). */
  siglipPrefix: string;
  samPrefix: string | null;
}

type SiglipDims = Pick<SiglipConfig, 'width' | 'layers' | 'heads' | 'mlpRatio'>;
type SamDims = Pick<SamConfig, 'width' | 'depth' | 'heads' | 'windowSize' | 'globalAttnIndexes' | 'neckChannels' | 'downsampleChannels'>;

/** SigLIP_MODEL_CONFIG (reference §3) plus test-only tiny towers used by generated checkpoints. */
export const SIGLIP_MODELS: Record<string, SiglipDims> = {
  siglip_large_patch16_384: { width: 1024, layers: 24, heads: 16, mlpRatio: 4 },
  sightline_tiny_siglip: { width: 64, layers: 2, heads: 4, mlpRatio: 4 },
};

/** SAM_MODEL_CONFIG (reference §2) plus the test-only tiny tower. */
export const SAM_MODELS: Record<string, SamDims> = {
  sam_b_downsample: { width: 768, depth: 12, heads: 12, windowSize: 14, globalAttnIndexes: [2, 5, 8, 11], neckChannels: 256, downsampleChannels: [512, 1024] },
  sightline_tiny_sam: { width: 32, depth: 4, heads: 2, windowSize: 14, globalAttnIndexes: [1, 3], neckChannels: 16, downsampleChannels: [32, 64] },
};

const ALIGNER_TYPES = ['mlp_gelu', 'low_high_hybrid_split_mlp_gelu'] as const;

const towerSchema = z.object({
  model_name: z.string(),
  image_size: z.number().int().optional(),
  select_layer: z.number().int().default(-1),
  select_feature: z.literal('same').default('same'),
  pixel_mean: z.array(z.number()).length(3).nullish(),
  pixel_std: z.array(z.number()).length(3).nullish(),
});

const visionSchema = z.discriminatedUnion('cls', [
  z.object({ cls: z.literal('CLIPVisionTower'), params: towerSchema }),
  z.object({
    cls: z.literal('HybridVisionTower'),
    params: z.object({ high_res_cfg: towerSchema, low_res_cfg: towerSchema, concat_type: z.literal('tuple').default('tuple') }),
  }),
]);

const alignerSchema = z.object({
  params: z.object({
    projector_type: z.enum(ALIGNER_TYPES),
    depth: z.number().int().positive().default(2),
    input_dim: z.number().int().positive(),
    n_embed: z.number().int().positive(),
  }),
});

/** LlamaConfig defaults apply to missing keys (reference §5: the 7B config sets only a few). */
const languageSchema = z.object({
  model_type: z.literal('llama').default('llama'),
  hidden_size: z.number().int().positive().default(4096),
  intermediate_size: z.number().int().positive().default(11008),
  num_hidden_layers: z.number().int().positive().default(32),
  num_attention_heads: z.number().int().positive().default(32),
  num_key_value_heads: z.number().int().positive().nullish(),
  head_dim: z.number().int().positive().nullish(),
  vocab_size: z.number().int().positive().default(32000),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  max_position_embeddings: z.number().int().positive().default(2048),
  hidden_act: z.literal('silu').default('silu'),
  rope_scaling: z.null().optional(),
  tie_word_embeddings: z.literal(false).default(false),
  attention_bias: z.literal(false).default(false),
});

const configSchema = z.object({
  vision_config: visionSchema,
  aligner_config: alignerSchema,
  language_config: languageSchema,
});

/** A user-facing error about a checkpoint: the message names the file and what to do. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

function describeIssue(issue: z.core.$ZodIssue, json: unknown): string {
  const key = issue.path.join('.');
  let found: unknown = json;
  for (const p of issue.path) found = found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[p] : undefined;
  const foundText = found === undefined ? 'missing' : JSON.stringify(found);
  return `key "${key}": ${issue.message} (found ${foundText})`;
}

function tableEntry<T>(table: Record<string, T>, name: string, key: string, file: string): T {
  const entry = table[name];
  if (entry === undefined) {
    throw new CheckpointError(`${file}: key "${key}": unknown model_name "${name}"; known values: ${Object.keys(table).join(', ')}`);
  }
  return entry;
}

type Tower = z.infer<typeof towerSchema>;

function siglipFrom(t: Tower, key: string, file: string): SiglipConfig {
  const dims = tableEntry(SIGLIP_MODELS, t.model_name, `${key}.model_name`, file);
  if (t.image_size !== undefined && t.image_size !== 384) {
    throw new CheckpointError(`${file}: key "${key}.image_size": SigLIP towers run at 384, found ${t.image_size}`);
  }
  // create_siglip_vit keeps min(L, L + select_layer + 1) blocks (reference §3, select_layer row).
  const layers = t.select_layer < 0 ? Math.min(dims.layers, dims.layers + t.select_layer + 1) : Math.min(dims.layers, t.select_layer + 1);
  if (layers <= 0) throw new CheckpointError(`${file}: key "${key}.select_layer": leaves no layers (found ${t.select_layer})`);
  return { modelName: t.model_name, imageSize: 384, patchSize: 16, ...dims, layers, pixelMean: t.pixel_mean ?? null, pixelStd: t.pixel_std ?? null };
}

function samFrom(t: Tower, key: string, file: string): SamConfig {
  const dims = tableEntry(SAM_MODELS, t.model_name, `${key}.model_name`, file);
  if (t.image_size !== undefined && t.image_size !== 1024) {
    throw new CheckpointError(`${file}: key "${key}.image_size": SAM towers run at 1024, found ${t.image_size}`);
  }
  return { modelName: t.model_name, imageSize: 1024, patchSize: 16, ...dims, pixelMean: t.pixel_mean ?? null, pixelStd: t.pixel_std ?? null };
}

export function parseDeepseekVlConfig(json: unknown, file: string): DeepseekVlConfig {
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => describeIssue(i, json));
    throw new CheckpointError(`${file}: not a DeepSeek-VL config: ${lines.join('; ')}`);
  }
  const { vision_config: vision, aligner_config: alignerRaw, language_config: lang } = parsed.data;
  const hybrid = vision.cls === 'HybridVisionTower';
  const siglip = hybrid ? siglipFrom(vision.params.low_res_cfg, 'vision_config.params.low_res_cfg', file) : siglipFrom(vision.params, 'vision_config.params', file);
  const sam = hybrid ? samFrom(vision.params.high_res_cfg, 'vision_config.params.high_res_cfg', file) : null;

  const a = alignerRaw.params;
  const expectedType = hybrid ? 'low_high_hybrid_split_mlp_gelu' : 'mlp_gelu';
  if (a.projector_type !== expectedType) {
    throw new CheckpointError(`${file}: key "aligner_config.params.projector_type": ${vision.cls} needs "${expectedType}", found "${a.projector_type}"`);
  }
  if (a.depth !== 2) throw new CheckpointError(`${file}: key "aligner_config.params.depth": only depth 2 is supported (reference §4), found ${a.depth}`);
  if (a.input_dim !== siglip.width) {
    throw new CheckpointError(`${file}: key "aligner_config.params.input_dim": must equal the vision width ${siglip.width}, found ${a.input_dim}`);
  }

  const numKvHeads = lang.num_key_value_heads ?? lang.num_attention_heads;
  const headDim = lang.head_dim ?? lang.hidden_size / lang.num_attention_heads;
  if (!Number.isInteger(headDim)) {
    throw new CheckpointError(`${file}: key "language_config.num_attention_heads": hidden_size ${lang.hidden_size} is not divisible by ${lang.num_attention_heads}`);
  }
  if (lang.num_attention_heads % numKvHeads !== 0) {
    throw new CheckpointError(`${file}: key "language_config.num_key_value_heads": ${numKvHeads} does not divide num_attention_heads ${lang.num_attention_heads}`);
  }
  const text: TextConfig = {
    hiddenSize: lang.hidden_size,
    intermediateSize: lang.intermediate_size,
    numLayers: lang.num_hidden_layers,
    numHeads: lang.num_attention_heads,
    numKvHeads,
    headDim,
    vocabSize: lang.vocab_size,
    rmsNormEps: lang.rms_norm_eps,
    ropeTheta: lang.rope_theta,
    maxPositionEmbeddings: lang.max_position_embeddings,
  };
  if (a.n_embed !== text.hiddenSize) {
    throw new CheckpointError(`${file}: key "aligner_config.params.n_embed": must equal language_config.hidden_size ${text.hiddenSize}, found ${a.n_embed}`);
  }
  return {
    variant: hybrid ? 'hybrid' : 'siglip',
    siglip,
    sam,
    aligner: { type: a.projector_type, depth: a.depth, inputDim: a.input_dim, nEmbed: a.n_embed },
    text,
    siglipPrefix: hybrid ? 'vision_model.vision_tower_low.vision_tower.' : 'vision_model.vision_tower.',
    samPrefix: hybrid ? 'vision_model.vision_tower_high.vision_tower.' : null,
  };
}
