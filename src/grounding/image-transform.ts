// How a frame region became the image a model saw. The VLM records one on every result (DeepSeek-VL
// letterboxes: long side resized to the model's size, centred padding, reference §1.1); coords.ts
// maps model output back through it. A type only, so producers and coords.ts share it without
// depending on each other.
import type { Rect } from '../frames/rect.js';

export interface ImageTransform {
  /** The frame region that was sent, in frame pixels (the whole frame unless a region was asked). */
  region: Rect;
  /** Size of the image actually sent to the model (1024x1024 or 384x384 for DeepSeek-VL). */
  sentWidth: number;
  sentHeight: number;
  /** Size the region's content was resized to inside the sent image, before padding. */
  contentWidth: number;
  contentHeight: number;
  /** Where that content starts inside the sent image (centred padding). */
  padX: number;
  padY: number;
}
