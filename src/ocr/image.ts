// The pixel view the OCR stages read: a frame's buffer as it arrives (RGBA or X11's BGRA), never
// converted as a whole — each stage samples only the pixels it needs.
import type { Rect } from '../frames/rect.js';

export interface OcrImage {
  data: Uint8Array;
  width: number;
  height: number;
  pixelFormat: 'rgba' | 'bgra';
}

/**
 * Byte offsets of blue, green and red inside one pixel. PP-OCR models were trained on OpenCV's BGR
 * images (PaddleOCR tools/infer: cv2.imread, DecodeImage img_mode BGR), so tensors are built B,G,R.
 */
export function bgrOffsets(format: OcrImage['pixelFormat']): [number, number, number] {
  return format === 'rgba' ? [2, 1, 0] : [0, 1, 2];
}

/**
 * The smallest rectangle inside `r` holding every pixel whose colour differs from `r`'s top-left
 * pixel, or null when `r` is uniform. Detection runs only there: a blank margin holds no text.
 */
export function contentBounds(image: OcrImage, r: Rect): Rect | null {
  const { data, width } = image;
  const stride = width * 4;
  const first = r.y * stride + r.x * 4;
  const bg = data[first]! | (data[first + 1]! << 8) | (data[first + 2]! << 16);
  let minX = r.x + r.width;
  let maxX = -1;
  let minY = -1;
  let maxY = -1;
  for (let y = r.y; y < r.y + r.height; y++) {
    const row = y * stride;
    let left = -1;
    for (let x = r.x; x < r.x + r.width; x++) {
      const i = row + x * 4;
      if ((data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16)) !== bg) {
        left = x;
        break;
      }
    }
    if (left < 0) continue;
    let right = left;
    for (let x = r.x + r.width - 1; x > left; x--) {
      const i = row + x * 4;
      if ((data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16)) !== bg) {
        right = x;
        break;
      }
    }
    if (minY < 0) minY = y;
    maxY = y;
    if (left < minX) minX = left;
    if (right > maxX) maxX = right;
  }
  return maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** A 53-bit content hash of the pixels inside `r` (two FNV-1a-style lanes), as a string key. */
export function hashPixels(image: OcrImage, r: Rect): string {
  const { data, width } = image;
  const stride = width * 4;
  let h1 = 0x811c9dc5 ^ r.width;
  let h2 = 0x01000193 ^ r.height;
  for (let y = r.y; y < r.y + r.height; y++) {
    let i = y * stride + r.x * 4;
    for (let x = 0; x < r.width; x++, i += 4) {
      const px = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16);
      h1 = Math.imul(h1 ^ px, 0x01000193);
      h2 = Math.imul(h2 ^ px, 0x5bd1e995) ^ (h2 >>> 15);
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
