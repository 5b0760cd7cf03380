// Builds embed_tokens.onnx + decoder.onnx from a checkpoint for the text tests and benches, and a
// reference model over the same weights.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBuildContext, type BuildDType } from '../../tools/model-builder/build-context.js';
import { buildDecoder } from '../../tools/model-builder/deepseek-vl/text/decoder.js';
import { buildEmbedTokens } from '../../tools/model-builder/deepseek-vl/text/embed-tokens.js';
import { Graph } from '../../tools/model-builder/onnx/graph.js';
import { saveModel } from '../../tools/model-builder/onnx/writer.js';
import { openCheckpoint, type Checkpoint } from '../../tools/model-builder/safetensors.js';
import { DECODER_FILE, EMBED_TOKENS_FILE } from '../../src/llm/decoder-io.js';
import { RefLlama } from '../reference/deepseek-vl/text/llama.js';

/** Writes embed_tokens.onnx and decoder.onnx for `dtype` into a fresh folder; returns it. */
export function buildTextModels(checkpointDir: string, dtype: BuildDType, outDir?: string): string {
  const dir = outDir ?? mkdtempSync(join(tmpdir(), `sightline-text-${dtype}-`));
  mkdirSync(dir, { recursive: true });
  const checkpoint = openCheckpoint(checkpointDir);
  try {
    for (const [file, build] of [[EMBED_TOKENS_FILE, buildEmbedTokens], [DECODER_FILE, buildDecoder]] as const) {
      const graph = new Graph(file.replace('.onnx', ''), { externalDataFile: join(dir, `${file}.data`) });
      build(createBuildContext({ checkpoint, graph, dtype }));
      saveModel(graph, join(dir, file));
    }
  } finally {
    checkpoint.close();
  }
  return dir;
}

export function referenceModel(checkpointDir: string): { model: RefLlama; checkpoint: Checkpoint } {
  const checkpoint = openCheckpoint(checkpointDir);
  const model = new RefLlama(checkpoint.config.text, (name) => ({ shape: checkpoint.info(name).shape, data: checkpoint.readFloat32(name) }));
  return { model, checkpoint };
}

/** max |a − b| / max |b|: one number per tensor that is scale-free and strict on the largest values. */
export function relativeError(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}
