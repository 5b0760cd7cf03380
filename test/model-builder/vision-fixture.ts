// Shared plumbing for the vision tests: tiny generated checkpoints,
// ONNX builds of the whole encoder or of one part, and the plain-TypeScript reference over the same
// weights.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { createBuildContext, type BuildContext, type BuildDType } from '../../src/model-builder/build-context.js';
import { Graph } from '../../src/model-builder/onnx/graph.js';
import { saveModel } from '../../src/model-builder/onnx/writer.js';
import { openCheckpoint, type Checkpoint } from '../../src/model-builder/safetensors.js';
import { tinyCheckpoint } from '../../tools/checkpoint-gen/generate.js';
import { buildAligner, buildLowResResize, buildSamTower, buildSiglipTower, buildVisionEncoder } from '../../src/model-builder/deepseek-vl/vision/vision-encoder.js';
import type { WeightSource } from '../reference/deepseek-vl/vision/weights.js';
export { relativeError } from '../helpers/relative-error.js';

export type Variant = '1.3b' | '7b';
export type VisionPart = 'encoder' | 'sam' | 'siglip' | 'aligner' | 'resize';

const BUILDERS: Record<VisionPart, (ctx: BuildContext) => void> = {
  encoder: buildVisionEncoder,
  sam: buildSamTower,
  siglip: buildSiglipTower,
  aligner: buildAligner,
  resize: buildLowResResize,
};

/** Tiny generated checkpoint (bf16, as the real ones), cached under os.tmpdir() by variant and seed. */
export function tinyVisionCheckpoint(variant: Variant, seed = 23): Promise<string> {
  return tinyCheckpoint(variant, seed);
}

/** Builds one vision graph from the checkpoint and opens it in onnxruntime (CPU). */
export async function visionSession(checkpointDir: string, part: VisionPart, dtype: BuildDType = 'fp32'): Promise<InferenceSession> {
  const dir = mkdtempSync(join(tmpdir(), `sightline-vision-${part}-${dtype}-`));
  const file = join(dir, `${part}.onnx`);
  const checkpoint = openCheckpoint(checkpointDir);
  try {
    const graph = new Graph(part, { externalDataFile: `${file}.data` });
    BUILDERS[part](createBuildContext({ checkpoint, graph, dtype }));
    saveModel(graph, file);
  } finally {
    checkpoint.close();
  }
  try {
    return await InferenceSession.create(file, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  } finally {
    // The session holds what it needs; the files are only scaffolding.
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runOne(session: InferenceSession, inputs: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array> {
  const feeds: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) feeds[name] = new Tensor('float32', t.data, t.dims);
  const out = await session.run(feeds);
  const first = out[session.outputNames[0]!]!;
  return first.data as Float32Array;
}

/** The reference reads weights through this adapter; each tensor is read from disk once. */
export function referenceWeights(checkpoint: Checkpoint): WeightSource {
  const cache = new Map<string, { shape: number[]; data: Float32Array }>();
  return (name) => {
    let t = cache.get(name);
    if (!t) {
      t = { shape: checkpoint.info(name).shape, data: checkpoint.readFloat32(name) };
      cache.set(name, t);
    }
    return t;
  };
}

/** Deterministic pseudo-random values in [lo, hi) (LCG), so failures reproduce. */
export function randomValues(count: number, seed: number, lo = 0, hi = 1): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}


export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
