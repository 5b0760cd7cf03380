// Builds embed_tokens.onnx + decoder.onnx from a checkpoint for the text tests and benches, and a
// reference model over the same weights.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildDType } from '../../src/model-builder/build-context.js';
import { buildTextModels } from '../../src/model-builder/deepseek-vl/text/build-text.js';
import { openCheckpoint, type Checkpoint } from '../../src/model-builder/safetensors.js';
import { RefLlama } from '../reference/deepseek-vl/text/llama.js';
export { relativeError } from '../helpers/relative-error.js';

const built: string[] = [];

/** Writes embed_tokens.onnx and decoder.onnx for `dtype` into a fresh temp folder; returns it. */
export function buildTextModelsTmp(checkpointDir: string, dtype: BuildDType): string {
  const dir = mkdtempSync(join(tmpdir(), `sightline-text-${dtype}-`));
  built.push(dir);
  buildTextModels(checkpointDir, dir, dtype);
  return dir;
}

/** Deletes every folder buildTextModelsTmp made in this process (register with `after`). */
export function removeBuiltModels(): void {
  for (const dir of built.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function referenceModel(checkpointDir: string): { model: RefLlama; checkpoint: Checkpoint } {
  const checkpoint = openCheckpoint(checkpointDir);
  const model = new RefLlama(checkpoint.config.text, (name) => ({ shape: checkpoint.info(name).shape, data: checkpoint.readFloat32(name) }));
  return { model, checkpoint };
}

