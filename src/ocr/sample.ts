// The one bilinear resampler behind both OCR inputs (detection and recognition): frame pixels to a
// normalised CHW float tensor in B,G,R order, read straight from the frame's RGBA or BGRA buffer.
import type { Rect } from '../frames/rect.js';
import { bgrOffsets, type OcrImage } from './image.js';

/** Where tensor pixel (0,0) sits in the frame, and how many frame pixels one tensor pixel spans. */
export interface Placement {
  x: number;
  y: number;
  stepX: number;
  stepY: number;
}

/** The block of a CHW tensor to fill: `width`x`height` pixels from `offset`, rows `rowStride` apart, channels `plane` apart. */
export interface TensorBlock {
  tensor: Float32Array;
  offset: number;
  width: number;
  height: number;
  rowStride: number;
  plane: number;
}

/** Per channel (B, G, R): tensor value = (byte / divisor − mean) / std, as PaddleOCR's NormalizeImage. */
export interface Normalisation {
  divisor: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * Bilinear sampling at pixel centres (cv2.INTER_LINEAR's convention; at a step of 2 it averages
 * 2x2): tensor pixel (tx, ty) reads the frame at (x + (tx + 0.5)·stepX − 0.5, likewise y), clamped
 * to `within` so that points past its border repeat its edge pixels.
 */
export function sampleBilinear(image: OcrImage, from: Placement, within: Rect, out: TensorBlock, norm: Normalisation): void {
  const [b, g, r] = bgrOffsets(image.pixelFormat);
  const { data } = image;
  const { tensor, plane } = out;
  const stride = image.width * 4;
  const maxX = within.x + within.width - 1;
  const maxY = within.y + within.height - 1;
  const divisor = norm.divisor;
  const [meanB, meanG, meanR] = norm.mean;
  const [stdB, stdG, stdR] = norm.std;
  // Every row samples the same columns: their byte offsets and weights are computed once.
  const left = new Int32Array(out.width);
  const right = new Int32Array(out.width);
  const weightX = new Float64Array(out.width);
  for (let tx = 0; tx < out.width; tx++) {
    const fx = Math.min(maxX, Math.max(within.x, from.x + (tx + 0.5) * from.stepX - 0.5));
    const x0 = Math.floor(fx);
    left[tx] = x0 * 4;
    right[tx] = Math.min(maxX, x0 + 1) * 4;
    weightX[tx] = fx - x0;
  }
  for (let ty = 0; ty < out.height; ty++) {
    const fy = Math.min(maxY, Math.max(within.y, from.y + (ty + 0.5) * from.stepY - 0.5));
    const y0 = Math.floor(fy);
    const row0 = y0 * stride;
    const row1 = Math.min(maxY, y0 + 1) * stride;
    const wy = fy - y0;
    let o = out.offset + ty * out.rowStride;
    for (let tx = 0; tx < out.width; tx++, o++) {
      const wx = weightX[tx]!;
      const i00 = row0 + left[tx]!;
      const i01 = row0 + right[tx]!;
      const i10 = row1 + left[tx]!;
      const i11 = row1 + right[tx]!;
      // Horizontal lerp on both rows, then vertical: the order (and so the float rounding) the pinned tensors were made with.
      const topB = data[i00 + b]! * (1 - wx) + data[i01 + b]! * wx;
      const bottomB = data[i10 + b]! * (1 - wx) + data[i11 + b]! * wx;
      tensor[o] = ((topB * (1 - wy) + bottomB * wy) / divisor - meanB) / stdB;
      const topG = data[i00 + g]! * (1 - wx) + data[i01 + g]! * wx;
      const bottomG = data[i10 + g]! * (1 - wx) + data[i11 + g]! * wx;
      tensor[o + plane] = ((topG * (1 - wy) + bottomG * wy) / divisor - meanG) / stdG;
      const topR = data[i00 + r]! * (1 - wx) + data[i01 + r]! * wx;
      const bottomR = data[i10 + r]! * (1 - wx) + data[i11 + r]! * wx;
      tensor[o + 2 * plane] = ((topR * (1 - wy) + bottomR * wy) / divisor - meanR) / stdR;
    }
  }
}
