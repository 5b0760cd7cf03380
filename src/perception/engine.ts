// The seam between the pipeline and a perception engine (OCR today, the widget detector and the
// VLM next): the perceive stage hands it the newest changed frame and publishes the parts of the
// Perception it returns. The pipeline depends on this contract, never on an engine.
import type { Frame } from '../frames/frame.js';
import type { UiElement } from './element.js';
import type { Perception } from './perception.js';

export interface PerceptionEngine {
  readonly name: string;
  /**
   * Brings the engine up to date with `frame`, re-reading only what its dirty rectangles touch,
   * and returns what it perceived (for element engines: what changed). Runs inference off the
   * main thread.
   */
  update(frame: Frame): Promise<Perception>;
  /** The current element set, in reading order (empty for engines without elements). */
  elements(): UiElement[];
  close(): Promise<void>;
}
