// sightline's OcrEngine as an evaluation reader: a full read of each rendered page, the frame
// carrying the page's device scale so the engine picks its detection sampling as it would live.
import type { UiElement } from '../../src/perception/element.js';
import type { OcrEngine } from '../../src/ocr/ocr-engine.js';
import { rawFrame } from './eval-frames.js';
import type { PageReader } from './evaluate.js';
import type { RenderedPage } from './render-page.js';

export function sightlineReader(engine: OcrEngine): PageReader {
  return {
    name: 'sightline',
    read: (page: RenderedPage, scale: number): Promise<UiElement[]> => engine.readFull(rawFrame(page, 0, scale)),
  };
}
