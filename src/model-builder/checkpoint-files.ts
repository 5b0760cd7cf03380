// The non-weight files of a checkpoint that the runtime needs: tokenizer.json (special token ids),
// tokenizer_config.json and preprocessor_config.json (reference §1.1, §5, §6.2). Parsed once here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CheckpointError } from './deepseek-vl/config.js';

export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const PREPROCESSOR_FILE = 'preprocessor_config.json';

const IMAGE_TAG = '<image_placeholder>';
/** DeepSeek-LLM defaults when tokenizer_config.json does not name them (reference §5). */
const DEFAULT_BOS = '<｜begin▁of▁sentence｜>';
const DEFAULT_EOS = '<｜end▁of▁sentence｜>';

const tokenizerSchema = z.object({
  added_tokens: z.array(z.object({ id: z.number().int(), content: z.string() })).default([]),
  model: z.object({ type: z.string(), vocab: z.record(z.string(), z.number().int()).optional() }),
});

const tokenName = z.union([z.string(), z.object({ content: z.string() })]).nullish();
const tokenizerConfigSchema = z.object({
  add_bos_token: z.boolean().optional(),
  bos_token: tokenName,
  eos_token: tokenName,
});

const preprocessorSchema = z.object({
  image_size: z.number().int().positive(),
  min_size: z.number().int().positive().default(14),
  image_mean: z.array(z.number()).length(3).nullish(),
  image_std: z.array(z.number()).length(3).nullish(),
  rescale_factor: z.number().positive().default(1 / 255),
  do_normalize: z.boolean().default(false),
});

export interface SpecialTokens {
  imagePlaceholder: number;
  bos: number;
  eos: number;
  pad: number;
  addBos: boolean;
}

export interface Preprocessing {
  imageSize: number;
  minSize: number;
  background: [number, number, number];
  rescaleFactor: number;
  imageMean: number[] | null;
  imageStd: number[] | null;
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new CheckpointError(`${path}: missing (${what}); copy it from the Hugging Face checkpoint`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, json: unknown, path: string): T {
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new CheckpointError(`${path}: key "${i.path.join('.')}": ${i.message}`);
  }
  return r.data;
}

export function readSpecialTokens(dir: string): SpecialTokens {
  const tokPath = join(dir, TOKENIZER_FILE);
  const tok = parseWith(tokenizerSchema, readJson(tokPath, 'the tokenizer'), tokPath);
  const cfgPath = join(dir, TOKENIZER_CONFIG_FILE);
  const cfg = existsSync(cfgPath) ? parseWith(tokenizerConfigSchema, readJson(cfgPath, 'tokenizer config'), cfgPath) : {};
  const idOf = (content: string): number => {
    const added = tok.added_tokens.find((t) => t.content === content);
    const id = added?.id ?? tok.model.vocab?.[content];
    if (id === undefined) throw new CheckpointError(`${tokPath}: token "${content}" not found in added_tokens or the vocabulary`);
    return id;
  };
  const text = (t: z.infer<typeof tokenName>, fallback: string): string => (t == null ? fallback : typeof t === 'string' ? t : t.content);
  const eos = idOf(text(cfg.eos_token, DEFAULT_EOS));
  return {
    // Read from the tokenizer, as the reference's `image_id` property does (reference §6.2).
    imagePlaceholder: idOf(IMAGE_TAG),
    bos: idOf(text(cfg.bos_token, DEFAULT_BOS)),
    eos,
    pad: eos,
    addBos: cfg.add_bos_token ?? true,
  };
}

export function readPreprocessing(dir: string, encoderInputSize: number): Preprocessing {
  const path = join(dir, PREPROCESSOR_FILE);
  const p = parseWith(preprocessorSchema, readJson(path, 'the image processor config'), path);
  if (p.image_size !== encoderInputSize) {
    throw new CheckpointError(`${path}: key "image_size": the vision tower in config.json takes ${encoderInputSize}, found ${p.image_size}`);
  }
  if (p.do_normalize) {
    throw new CheckpointError(`${path}: key "do_normalize": true is not supported; DeepSeek-VL normalises inside the model (reference §1.1 step 5), found true`);
  }
  const mean = p.image_mean ?? null;
  // VLMImageProcessor: tuple(int(x*255) for x in image_mean), or 127 grey without a mean (§1.1 step 3).
  const background = (mean === null ? [127, 127, 127] : mean.map((m) => Math.trunc(m * 255))) as [number, number, number];
  return { imageSize: p.image_size, minSize: p.min_size, background, rescaleFactor: p.rescale_factor, imageMean: mean, imageStd: p.image_std ?? null };
}
