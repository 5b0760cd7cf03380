// Reference full vision encoder: pixel_values [N,3,S,S] in [0,1] → image_features [N,576,nEmbed]
// (reference/deepseek-vl.md §1.2–§4). Plain typed arrays; tests compare the ONNX graphs with it.
import type { WeightSource } from './weights.js';
import { samForward, type RefSamConfig } from './sam.js';
import { siglipForward, type RefSiglipConfig } from './siglip.js';
import { alignerForward, type RefAlignerConfig } from './aligner.js';
import { antialiasedBilinearResize } from './resize.js';

export interface RefVisionConfig {
  variant: 'siglip' | 'hybrid';
  siglip: RefSiglipConfig;
  sam: RefSamConfig | null;
  aligner: RefAlignerConfig;
  siglipPrefix: string;
  samPrefix: string | null;
}

export const TOKENS_PER_IMAGE = 576;

/** Input side of the encoder: 1024 for the hybrid (SAM resolution), 384 for SigLIP-only. */
export function inputSize(cfg: RefVisionConfig): number {
  return cfg.variant === 'hybrid' ? cfg.sam!.imageSize : cfg.siglip.imageSize;
}

/** The hybrid's in-model `Resize(384, antialias=True)` on the un-normalised [0,1] image (§1.2). */
export function lowResImage(image: Float32Array, size: number, lowSize: number): Float32Array {
  return antialiasedBilinearResize({ c: 3, h: size, w: size, data: image }, lowSize, lowSize).data;
}

export interface RefVisionOutputs {
  /** [N·576, samOut] or null for SigLIP-only. */
  sam: Float32Array | null;
  /** The sam_hd path's share of `sam` (§2), or null. */
  samHd: Float32Array | null;
  /** The 384² SigLIP input per image ([N,3,384,384]; the hybrid's resized image). */
  lowRes: Float32Array;
  /** [N·576, siglipWidth] */
  siglip: Float32Array;
  /** [N·576, nEmbed] */
  features: Float32Array;
}

export function visionEncoderForward(src: WeightSource, cfg: RefVisionConfig, pixels: Float32Array, batch: number): RefVisionOutputs {
  const S = inputSize(cfg);
  const per = 3 * S * S;
  if (pixels.length !== batch * per) throw new Error(`reference: pixel_values has ${pixels.length} values, expected ${batch}×3×${S}×${S}`);
  const T = TOKENS_PER_IMAGE;
  const samParts: Float32Array[] = [];
  const hdParts: Float32Array[] = [];
  const lowParts: Float32Array[] = [];
  const siglipParts: Float32Array[] = [];
  const featParts: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const image = pixels.subarray(b * per, (b + 1) * per);
    let high: Float32Array | null = null;
    let lowInput = image;
    if (cfg.variant === 'hybrid') {
      const sam = samForward(src, cfg.sam!, cfg.samPrefix!, image);
      high = sam.tokens;
      samParts.push(sam.tokens);
      hdParts.push(sam.hdPart);
      lowInput = lowResImage(image, S, cfg.siglip.imageSize);
    }
    lowParts.push(lowInput);
    const low = siglipForward(src, cfg.siglip, cfg.siglipPrefix, lowInput);
    siglipParts.push(low);
    featParts.push(alignerForward(src, cfg.aligner, high, low, T));
  }
  return {
    sam: samParts.length ? concat(samParts) : null,
    samHd: hdParts.length ? concat(hdParts) : null,
    lowRes: concat(lowParts),
    siglip: concat(siglipParts),
    features: concat(featParts),
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
