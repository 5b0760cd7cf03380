// The perception engines `sightline run --engine` can start.
import { OcrEngine } from '../ocr/ocr-engine.js';
import type { Metrics } from '../metrics.js';
import type { PerceptionEngine } from '../perception/engine.js';

export const ENGINES = ['ocr', 'none'] as const;
export type EngineName = (typeof ENGINES)[number];

export async function createEngine(name: EngineName, metrics: Metrics): Promise<PerceptionEngine | undefined> {
  switch (name) {
    case 'none':
      return undefined;
    case 'ocr':
      return OcrEngine.create({ metrics });
  }
}
