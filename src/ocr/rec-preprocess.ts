// Recognition input (PaddleOCR tools/infer/predict_rec.py, resize_norm_img): each line crop is
// resized to height 48 keeping its aspect ratio, normalised to (x/255 − 0.5)/0.5 in BGR order, and
// right-padded with zeros to the widest line of its batch (PP-OCRv4 rec_image_shape 3,48,320;
// the width follows the batch's widest aspect ratio).
import type { Rect } from '../frames/frame.js';
import { bgrOffsets, type OcrImage } from './image.js';

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
  const base = slot * 3 * plane;
  const offsets = bgrOffsets(image.pixelFormat);
  const { data } = image;
  const stride = image.width * 4;
  const sx = box.width / resizedWidth;
  const sy = box.height / REC_HEIGHT;
  const maxX = box.x + box.width - 1;
  const maxY = box.y + box.height - 1;
  for (let ty = 0; ty < REC_HEIGHT; ty++) {
    const fy = Math.min(maxY, Math.max(box.y, box.y + (ty + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(maxY, y0 + 1);
    const wy = fy - y0;
    for (let tx = 0; tx < resizedWidth; tx++) {
      const fx = Math.min(maxX, Math.max(box.x, box.x + (tx + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(maxX, x0 + 1);
      const wx = fx - x0;
      const i00 = y0 * stride + x0 * 4;
      const i01 = y0 * stride + x1 * 4;
      const i10 = y1 * stride + x0 * 4;
      const i11 = y1 * stride + x1 * 4;
      const o = base + ty * batchWidth + tx;
      for (let c = 0; c < 3; c++) {
        const off = offsets[c]!;
        const top = data[i00 + off]! * (1 - wx) + data[i01 + off]! * wx;
        const bottom = data[i10 + off]! * (1 - wx) + data[i11 + off]! * wx;
        tensor[o + c * plane] = (top * (1 - wy) + bottom * wy) / 127.5 - 1;
      }
    }
  }
}
