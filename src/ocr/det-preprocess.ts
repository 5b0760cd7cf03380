// Detection input (PaddleOCR DetResizeForTest + NormalizeImage + ToCHWImage): pixels/255, minus the
// ImageNet mean, over its std, channel by channel in BGR order, sides a multiple of 32 because the
// DB network downsamples by 32 (PP-OCRv4 det config, `limit_type`/`limit_side_len`).
// Unlike PaddleOCR we never shrink a 1x screen: small UI text must keep its pixels. A region is
// sampled at `scale` (1 at 1x, 1/scaleFactor on HiDPI screens) and padded by sampling the
// neighbouring frame pixels (or the frame's edge), so a crop reads like the same place in a full frame.
import type { Rect } from '../frames/frame.js';
import { bgrOffsets, type OcrImage } from './image.js';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
export const DET_STRIDE = 32;

/** Byte value → normalised float, per tensor channel (B, G, R). */
const LUTS = MEAN.map((mean, c) => {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - mean) / STD[c]!;
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
    sampleScaled(image, area, scale, tensor, width, height);
  }
  return { tensor, width, height, originX: area.x, originY: area.y, scale };
}

/** Bilinear sampling at pixel centres (cv2.INTER_LINEAR's convention); at scale 1/2 it averages 2x2. */
function sampleScaled(image: OcrImage, area: Rect, scale: number, tensor: Float32Array, width: number, height: number): void {
  const plane = width * height;
  const offsets = bgrOffsets(image.pixelFormat);
  const { data } = image;
  const stride = image.width * 4;
  const maxX = image.width - 1;
  const maxY = image.height - 1;
  const inv = 1 / scale;
  for (let ty = 0; ty < height; ty++) {
    const fy = Math.min(maxY, Math.max(0, area.y + (ty + 0.5) * inv - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(maxY, y0 + 1);
    const wy = fy - y0;
    for (let tx = 0; tx < width; tx++) {
      const fx = Math.min(maxX, Math.max(0, area.x + (tx + 0.5) * inv - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(maxX, x0 + 1);
      const wx = fx - x0;
      const i00 = y0 * stride + x0 * 4;
      const i01 = y0 * stride + x1 * 4;
      const i10 = y1 * stride + x0 * 4;
      const i11 = y1 * stride + x1 * 4;
      const o = ty * width + tx;
      for (let c = 0; c < 3; c++) {
        const off = offsets[c]!;
        const top = data[i00 + off]! * (1 - wx) + data[i01 + off]! * wx;
        const bottom = data[i10 + off]! * (1 - wx) + data[i11 + off]! * wx;
        const v = top * (1 - wy) + bottom * wy;
        tensor[o + c * plane] = (v / 255 - MEAN[c]!) / STD[c]!;
      }
    }
  }
}
