// The perception engines a session can start by name (`sightline run --engine`, SessionConfig.engine).
// Here, at the top of src/, because it names concrete engines (ocr/, later vlm/) that the
// perception contract and the pipeline must not know about.
import { OcrEngine } from './ocr/ocr-engine.js';
import type { Metrics } from './metrics.js';
import type { PerceptionEngine } from './perception/engine.js';

export const ENGINES = ['ocr', 'none'] as const;
export type EngineName = (typeof ENGINES)[number];

/** Where models run; the same values as inference/'s ONNX session factory takes. */
export type EngineDevice = 'cpu' | 'webgpu' | 'cuda' | 'auto';

export interface EngineOptions {
  metrics?: Metrics;
  device?: EngineDevice;
}

/** Creates the named engine; `none` gives no engine (capture and change detection only). */
export async function createEngine(name: EngineName, options: EngineOptions = {}): Promise<PerceptionEngine | undefined> {
  switch (name) {
    case 'none':
      return undefined;
    case 'ocr':
      // `device` is spread so that this compiles against OcrEngineOptions with and without it.
      return OcrEngine.create({ ...(options.metrics ? { metrics: options.metrics } : {}), ...(options.device ? { device: options.device } : {}) });
  }
}
