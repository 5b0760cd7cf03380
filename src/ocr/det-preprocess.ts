// Detection input (PaddleOCR DetResizeForTest + NormalizeImage + ToCHWImage): pixels/255, minus the
// ImageNet mean, over its std, channel by channel in BGR order, sides a multiple of 32 because the
// DB network downsamples by 32 (PP-OCRv4 det config, `limit_type`/`limit_side_len`).
// Unlike PaddleOCR we never shrink a 1x screen: small UI text must keep its pixels. A region is
// sampled at `scale` (1 at 1x, 1/scaleFactor on HiDPI screens) and padded by sampling the
// neighbouring frame pixels (or the frame's edge), so a crop reads like the same place in a full frame.
import type { Rect } from '../frames/rect.js';
import { bgrOffsets, type OcrImage } from './image.js';
import { sampleBilinear, type Normalisation } from './sample.js';

/** The ImageNet mean and std, listed in PaddleOCR's order and applied to the B, G, R channels as it does. */
const NORMALISATION: Normalisation = { divisor: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
export const DET_STRIDE = 32;

/** Byte value → normalised float, per tensor channel (B, G, R): the 1x path reads these instead of sampling. */
const LUTS = NORMALISATION.mean.map((mean, c) => {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / NORMALISATION.divisor - mean) / NORMALISATION.std[c]!;
  return lut;
});

export interface DetInput {
  tensor: Float32Array;
  /** Tensor size, multiples of 32. */
  width: number;
  height: number;
  /** Frame position of tensor pixel (0,0), and frame pixels per tensor pixel. */
  originX: number;
  originY: number;
  scale: number;
}

/**
 * Builds the tensor for frame area `area` sampled at `scale` (tensor px per frame px). The tensor
 * covers `area` from its top-left corner; pixels past the frame repeat its edge.
 */
export function buildDetInput(image: OcrImage, area: Rect, scale: number): DetInput {
  const width = Math.max(DET_STRIDE, Math.ceil((area.width * scale) / DET_STRIDE) * DET_STRIDE);
  const height = Math.max(DET_STRIDE, Math.ceil((area.height * scale) / DET_STRIDE) * DET_STRIDE);
  const plane = width * height;
  const tensor = new Float32Array(3 * plane);
  const [ob, og, or] = bgrOffsets(image.pixelFormat);
  const [lb, lg, lr] = LUTS as [Float32Array, Float32Array, Float32Array];
  const { data } = image;
  const stride = image.width * 4;
  const maxX = image.width - 1;
  const maxY = image.height - 1;
  if (scale === 1) {
    for (let ty = 0; ty < height; ty++) {
      const sy = Math.min(maxY, Math.max(0, area.y + ty));
      const row = sy * stride;
      let o = ty * width;
      for (let tx = 0; tx < width; tx++, o++) {
        const i = row + Math.min(maxX, Math.max(0, area.x + tx)) * 4;
        tensor[o] = lb[data[i + ob]!]!;
        tensor[o + plane] = lg[data[i + og]!]!;
        tensor[o + 2 * plane] = lr[data[i + or]!]!;
      }
    }
  } else {
    const frame = { x: 0, y: 0, width: image.width, height: image.height };
    sampleBilinear(image, { x: area.x, y: area.y, stepX: 1 / scale, stepY: 1 / scale }, frame, { tensor, offset: 0, width, height, rowStride: width, plane }, NORMALISATION);
  }
  return { tensor, width, height, originX: area.x, originY: area.y, scale };
}
