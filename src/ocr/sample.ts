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
  const offsets = bgrOffsets(image.pixelFormat);
  const { data } = image;
  const { tensor, plane } = out;
  const stride = image.width * 4;
  const minX = within.x;
  const minY = within.y;
  const maxX = within.x + within.width - 1;
  const maxY = within.y + within.height - 1;
  for (let ty = 0; ty < out.height; ty++) {
    const fy = Math.min(maxY, Math.max(minY, from.y + (ty + 0.5) * from.stepY - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(maxY, y0 + 1);
    const wy = fy - y0;
    for (let tx = 0; tx < out.width; tx++) {
      const fx = Math.min(maxX, Math.max(minX, from.x + (tx + 0.5) * from.stepX - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(maxX, x0 + 1);
      const wx = fx - x0;
      const i00 = y0 * stride + x0 * 4;
      const i01 = y0 * stride + x1 * 4;
      const i10 = y1 * stride + x0 * 4;
      const i11 = y1 * stride + x1 * 4;
      const o = out.offset + ty * out.rowStride + tx;
      for (let c = 0; c < 3; c++) {
        const off = offsets[c]!;
        const top = data[i00 + off]! * (1 - wx) + data[i01 + off]! * wx;
        const bottom = data[i10 + off]! * (1 - wx) + data[i11 + off]! * wx;
        tensor[o + c * plane] = ((top * (1 - wy) + bottom * wy) / norm.divisor - norm.mean[c]!) / norm.std[c]!;
      }
    }
  }
}
