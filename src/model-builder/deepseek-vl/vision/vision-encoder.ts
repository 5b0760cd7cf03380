// vision_encoder.onnx (reference/deepseek-vl.md §1.2–§4, §10.5): pixel_values [N,3,S,S] in [0,1]
// (S = 1024 hybrid, 384 SigLIP-only) → image_features [N,576,nEmbed]. The in-model mean/std
// normalisation and the hybrid's antialiased 1024→384 resize are inside the graph (see
// docs/model-builder.md "Vision encoder" for the resize decision and its measured error).
import type { Graph } from '../../onnx/graph.js';
import * as ops from '../../onnx/ops.js';
import type { BuildContext } from '../../build-context.js';
import type { DeepseekVlConfig, SamConfig } from '../config.js';
import { samTower } from './sam.js';
import { siglipTower } from './siglip.js';
import { aligner } from './aligner.js';

export const IMAGE_TOKENS = 576;
const BATCH = 'batch';

/** Side of the square `pixel_values` the encoder takes. */
export function visionInputSize(config: DeepseekVlConfig): number {
  return config.variant === 'hybrid' ? hybridSam(config).imageSize : config.siglip.imageSize;
}

export function buildVisionEncoder(ctx: BuildContext): void {
  const { config, graph: g } = ctx;
  const size = visionInputSize(config);
  const pixels = g.input('pixel_values', 'float32', [BATCH, 3, size, size]);
  let high: string | null = null;
  let lowPixels = pixels;
  if (config.variant === 'hybrid') {
    high = samTower(ctx, pixels, hybridSam(config), config.samPrefix!);
    lowPixels = lowResPixels(ctx, pixels, config.siglip.imageSize);
  }
  const low = siglipTower(ctx, lowPixels, config.siglip, config.siglipPrefix);
  const features = aligner(ctx, high, low, config.aligner);
  g.output(named(g, features, 'image_features'), 'float32', [BATCH, IMAGE_TOKENS, config.aligner.nEmbed]);
}

/**
 * HybridVisionTower's `Resize(384, antialias=True)` on the un-normalised [0,1] image (§1.2).
 * torchvision's tensor path is bilinear, antialiased, half-pixel, and drops the filter taps that fall
 * outside the image and renormalises the rest (PIL's scheme). ONNX Resize (opset 18) matches it with
 * antialias=1 *and* exclude_outside=1 (what ops.resizeBilinear emits with antialias); without
 * exclude_outside onnxruntime clamps those taps to the edge pixel, which moves the two outermost
 * output rows/columns (measured: up to 0.046 on noise).
 */
export function lowResPixels(ctx: BuildContext, pixels: string, size: number): string {
  return ops.resizeBilinear(ctx.graph, pixels, size, size, { antialias: true });
}

// Per-part graphs, so tests can check each tower against the reference on its own.

/** SAM tower alone: pixel_values [N,3,1024,1024] → sam_features [N,576,C]. */
export function buildSamTower(ctx: BuildContext): void {
  const cfg = hybridSam(ctx.config);
  const g = ctx.graph;
  const pixels = g.input('pixel_values', 'float32', [BATCH, 3, cfg.imageSize, cfg.imageSize]);
  const out = samTower(ctx, pixels, cfg, ctx.config.samPrefix!);
  g.output(named(g, out, 'sam_features'), 'float32', [BATCH, IMAGE_TOKENS, cfg.downsampleChannels[1]]);
}

/** SigLIP tower alone: pixel_values [N,3,384,384] → siglip_features [N,576,width]. */
export function buildSiglipTower(ctx: BuildContext): void {
  const cfg = ctx.config.siglip;
  const g = ctx.graph;
  const pixels = g.input('pixel_values', 'float32', [BATCH, 3, cfg.imageSize, cfg.imageSize]);
  const out = siglipTower(ctx, pixels, cfg, ctx.config.siglipPrefix);
  g.output(named(g, out, 'siglip_features'), 'float32', [BATCH, IMAGE_TOKENS, cfg.width]);
}

/** Aligner alone: [sam_features (hybrid),] siglip_features → image_features. */
export function buildAligner(ctx: BuildContext): void {
  const { config, graph: g } = ctx;
  const dim = config.aligner.inputDim;
  const high = config.variant === 'hybrid' ? g.input('sam_features', 'float32', [BATCH, IMAGE_TOKENS, dim]) : null;
  const low = g.input('siglip_features', 'float32', [BATCH, IMAGE_TOKENS, dim]);
  const out = aligner(ctx, high, low, config.aligner);
  g.output(named(g, out, 'image_features'), 'float32', [BATCH, IMAGE_TOKENS, config.aligner.nEmbed]);
}

/** The hybrid's 1024→384 resize alone: pixel_values → low_res_pixel_values. */
export function buildLowResResize(ctx: BuildContext): void {
  const { config, graph: g } = ctx;
  const size = visionInputSize(config);
  const low = config.siglip.imageSize;
  const pixels = g.input('pixel_values', 'float32', [BATCH, 3, size, size]);
  g.output(named(g, lowResPixels(ctx, pixels, low), 'low_res_pixel_values'), 'float32', [BATCH, 3, low, low]);
}

/** Gives value `x` the graph-output name `name` (an Identity node). */
function named(g: Graph, x: string, name: string): string {
  return g.node('Identity', [x], { outputs: [name] })[0]!;
}

function hybridSam(config: DeepseekVlConfig): SamConfig {
  if (config.sam === null || config.samPrefix === null) {
    throw new Error(`config variant ${config.variant} has no SAM (high-resolution) tower; only the 7B hybrid does (§0)`);
  }
  return config.sam;
}
