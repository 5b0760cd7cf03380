// Recognition input (PaddleOCR tools/infer/predict_rec.py, resize_norm_img): each line crop is
// resized to height 48 keeping its aspect ratio, normalised to (x/255 − 0.5)/0.5 in BGR order, and
// right-padded with zeros to the widest line of its batch (PP-OCRv4 rec_image_shape 3,48,320;
// the width follows the batch's widest aspect ratio).
import type { Rect } from '../frames/rect.js';
import type { OcrImage } from './image.js';
import { sampleBilinear, type Normalisation } from './sample.js';

/** (x/255 − 0.5)/0.5, written as x/127.5 − 1 (bit for bit what the recogniser has always been fed). */
const NORMALISATION: Normalisation = { divisor: 127.5, mean: [1, 1, 1], std: [1, 1, 1] };

export const REC_HEIGHT = 48;
/** The CTC output has one step per 8 input columns (SVTR-LCNet's horizontal downsampling). */
export const REC_STEP = 8;
/** Widest resized line; longer lines are squeezed (an 80:1 line is rare on screens). */
export const REC_MAX_WIDTH = 3840;

/** The resized width of a crop at height 48: at least one CTC step wide, never above the cap. */
export function recWidth(box: Rect): number {
  const w = Math.round((box.width * REC_HEIGHT) / Math.max(1, box.height));
  return Math.min(REC_MAX_WIDTH, Math.max(REC_STEP * 2, w));
}

/** Lines of similar width share a batch so that padding wastes little compute. */
export function planBatches(widths: readonly number[], maxBatch = 24, maxColumns = 24 * 640): number[][] {
  const order = widths.map((w, i) => i).sort((a, b) => widths[a]! - widths[b]!);
  const batches: number[][] = [];
  let current: number[] = [];
  let first = 0;
  for (const i of order) {
    const w = widths[i]!;
    const fits = current.length < maxBatch && w <= first * 1.1 + 16 && w * (current.length + 1) <= maxColumns;
    if (current.length > 0 && !fits) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) first = w;
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Writes crop `box` of `image`, resized to `resizedWidth`x48, into slot `slot` of a batch tensor
 * [N,3,48,batchWidth] that was zero-filled (zero is the padding value after normalisation).
 */
export function writeRecInput(image: OcrImage, box: Rect, resizedWidth: number, tensor: Float32Array, slot: number, batchWidth: number): void {
  const plane = REC_HEIGHT * batchWidth;
  const from = { x: box.x, y: box.y, stepX: box.width / resizedWidth, stepY: box.height / REC_HEIGHT };
  const block = { tensor, offset: slot * 3 * plane, width: resizedWidth, height: REC_HEIGHT, rowStride: batchWidth, plane };
  // The crop's own edge repeats, not its neighbours: the recogniser sees only this line.
  sampleBilinear(image, from, box, block, NORMALISATION);
}
