// The seam between the pipeline and a perception engine (OCR today, the VLM later): the perceive
// stage hands it the newest changed frame and publishes what changed.
import type { Frame } from '../frames/frame.js';
import type { ElementsDiff, UiElement } from '../ocr/element.js';

export interface PerceptionEngine {
  readonly name: string;
  /**
   * Brings the engine's element set up to date with `frame`, re-reading only what its dirty
   * rectangles touch, and returns what changed. Runs inference off the main thread.
   */
  update(frame: Frame): Promise<ElementsDiff>;
  /** The current element set, in reading order. */
  elements(): UiElement[];
  close(): Promise<void>;
}
