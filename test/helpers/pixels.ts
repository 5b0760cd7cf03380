// Reads one pixel of a captured frame as 0xRRGGBB, whatever its pixel format.
import type { RawFrame } from '../../src/frames/frame.js';

export function pixelAt(frame: Pick<RawFrame, 'data' | 'width' | 'pixelFormat'>, x: number, y: number): number {
  const i = (y * frame.width + x) * 4;
  const [a, g, b] = [frame.data[i]!, frame.data[i + 1]!, frame.data[i + 2]!];
  return frame.pixelFormat === 'bgra' ? (b << 16) | (g << 8) | a : (a << 16) | (g << 8) | b;
}

export function hex(rgb: number): string {
  return `#${rgb.toString(16).padStart(6, '0')}`;
}
