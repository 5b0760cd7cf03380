// Writes a DeepSeek-VL checkpoint in the exact Hugging Face layout (reference §8.1) with random,
// deterministic weights: tiny ones for tests, full-size ones for timing.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configJson, tensorSpecs, type Size, type TensorSpec, type Variant } from './layout.js';
import { tensorByteLength, writeSafetensors, type GenDType } from './safetensors-writer.js';
import { specialTokensMapJson, tokenizerConfigJson, tokenizerJson } from './tokenizer.js';

export type { Variant, Size, GenDType };

/** Bump when the generated layout changes, so cached checkpoints are regenerated. */
export const GENERATOR_VERSION = 1;

const TORCH_DTYPE: Record<GenDType, string> = { bf16: 'bfloat16', fp16: 'float16', f32: 'float32' };
/** The 7B checkpoint ships as three shards (reference §8.1). */
const SHARDS_7B = 3;

export interface GenerateOptions {
  variant: Variant;
  size: Size;
  outDir: string;
  seed?: number;
  dtype?: GenDType;
  /** Called after each file is written. */
  onFile?: (file: string) => void;
}

function writeJson(path: string, value: object): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** Processor files as shipped with the chat checkpoints (reference §1.1, §6.2). */
function processorFiles(variant: Variant): Record<string, object> {
  const clip = variant === '7b';
  return {
    'preprocessor_config.json': {
      background_color: clip ? [122, 116, 104] : [127, 127, 127],
      do_normalize: false,
      image_mean: clip ? [0.48145466, 0.4578275, 0.40821073] : [0.5, 0.5, 0.5],
      image_processor_type: 'VLMImageProcessor',
      image_size: clip ? 1024 : 384,
      image_std: clip ? [0.26862954, 0.26130258, 0.27577711] : [0.5, 0.5, 0.5],
      min_size: 14,
      processor_class: 'VLChatProcessor',
      rescale_factor: 0.00392156862745098,
    },
    'processor_config.json': {
      add_special_token: false,
      ignore_id: -100,
      image_tag: '<image_placeholder>',
      mask_prompt: true,
      num_image_tokens: 576,
      processor_class: 'VLChatProcessor',
      sft_format: 'deepseek',
    },
  };
}

/** Splits tensors, in order, into `n` shards of roughly equal bytes. */
function shard(specs: TensorSpec[], n: number, dtype: GenDType): TensorSpec[][] {
  const total = specs.reduce((a, s) => a + tensorByteLength(s, dtype), 0);
  const shards: TensorSpec[][] = Array.from({ length: n }, () => []);
  let acc = 0;
  for (const s of specs) {
    const len = tensorByteLength(s, dtype);
    const k = Math.min(n - 1, Math.floor(((acc + len / 2) / total) * n));
    shards[k]!.push(s);
    acc += len;
  }
  return shards.filter((s) => s.length > 0);
}

export async function generateCheckpoint(opts: GenerateOptions): Promise<void> {
  const seed = opts.seed ?? 0;
  const dtype = opts.dtype ?? 'bf16';
  const out = opts.outDir;
  mkdirSync(out, { recursive: true });
  const emit = (file: string, value: object): void => {
    writeJson(join(out, file), value);
    opts.onFile?.(file);
  };
  emit('config.json', configJson(opts.variant, opts.size, TORCH_DTYPE[dtype]));
  emit('tokenizer.json', tokenizerJson());
  emit('tokenizer_config.json', tokenizerConfigJson());
  emit('special_tokens_map.json', specialTokensMapJson());
  for (const [file, value] of Object.entries(processorFiles(opts.variant))) emit(file, value);

  const specs = tensorSpecs(opts.variant, opts.size);
  if (opts.variant === '1.3b') {
    writeSafetensors(join(out, 'model.safetensors'), specs, dtype, seed);
    opts.onFile?.('model.safetensors');
    return;
  }
  const shards = shard(specs, SHARDS_7B, dtype);
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (const [i, list] of shards.entries()) {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    totalSize += writeSafetensors(join(out, file), list, dtype, seed);
    for (const s of list) weightMap[s.name] = file;
    opts.onFile?.(file);
    // Let the event loop breathe between multi-GB shards (progress output, signals).
    await new Promise((r) => setImmediate(r));
  }
  emit('model.safetensors.index.json', { metadata: { total_size: totalSize }, weight_map: weightMap });
}

/**
 * A generated checkpoint cached under os.tmpdir() by its parameters, created on first use.
 * Safe when several test processes ask at once: each writes its own folder and renames it into place.
 */
export async function cachedCheckpoint(variant: Variant, size: Size, opts: { seed?: number; dtype?: GenDType; root?: string } = {}): Promise<string> {
  const seed = opts.seed ?? 0;
  const dtype = opts.dtype ?? 'bf16';
  const root = opts.root ?? join(tmpdir(), 'sightline-checkpoints');
  const dir = join(root, `deepseek-vl-${variant}-${size}-${dtype}-seed${seed}-v${GENERATOR_VERSION}`);
  if (existsSync(join(dir, 'config.json'))) return dir;
  mkdirSync(root, { recursive: true });
  const staging = `${dir}.partial-${process.pid}-${Date.now()}`;
  await generateCheckpoint({ variant, size, outDir: staging, seed, dtype });
  try {
    renameSync(staging, dir);
  } catch (e) {
    // Another process finished first: its copy is identical (same seed), keep it.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, 'config.json'))) throw e;
  }
  return dir;
}

/** Tiny test checkpoint (both variants), cached by seed. */
export function tinyCheckpoint(variant: Variant, seed = 0): Promise<string> {
  return cachedCheckpoint(variant, 'tiny', { seed });
}
