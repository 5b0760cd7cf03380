// Images → Frames the way the runtime makes them: a RawFrame through the real ChangeDetector, so
// tile hashes and dirty rectangles are the pipeline's own, not hand-made.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ChangeDetector } from '../../src/frames/change.js';
import type { DisplayInfo, Frame, RawFrame } from '../../src/frames/frame.js';

export interface RgbaImage {
  rgba: Buffer;
  width: number;
  height: number;
}

export function rawFrame(image: RgbaImage, seq: number, scaleFactor = 1): RawFrame {
  const display: DisplayInfo = { id: 'eval', x: 0, y: 0, width: image.width, height: image.height, scaleFactor, primary: true };
  return {
    seq,
    time: Date.now(),
    monotonicMs: performance.now(),
    display,
    region: { x: 0, y: 0, width: image.width, height: image.height },
    width: image.width,
    height: image.height,
    pixelFormat: 'rgba',
    data: image.rgba,
  };
}

/** A first frame: the whole image is dirty. */
export function firstFrame(image: RgbaImage, scaleFactor = 1): Frame {
  return new ChangeDetector().detect(rawFrame(image, 0, scaleFactor))!;
}

/** `before` then `after` through one detector: `after` carries the dirty rectangles of the edit. */
export function changedFrames(before: RgbaImage, after: RgbaImage, scaleFactor = 1): [Frame, Frame] {
  const detector = new ChangeDetector();
  const first = detector.detect(rawFrame(before, 0, scaleFactor))!;
  const second = detector.detect(rawFrame(after, 1, scaleFactor));
  if (!second) throw new Error('the edited page renders identically to the original: nothing to update');
  return [first, second];
}

export async function loadPng(path: string): Promise<RgbaImage & { png: Buffer }> {
  const png = await readFile(path);
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgba: data, width: info.width, height: info.height, png };
}

/**
 * The image mirrored left-right: same size and ink density as the original but different line
 * crops, so reading it warms an engine up without filling its cache with the original's lines.
 */
export function mirrorImage(img: RgbaImage): RgbaImage {
  const pixels = new Uint32Array(img.width * img.height);
  new Uint8Array(pixels.buffer).set(img.rgba.subarray(0, pixels.length * 4));
  for (let y = 0; y < img.height; y++) pixels.subarray(y * img.width, (y + 1) * img.width).reverse();
  return { rgba: Buffer.from(pixels.buffer), width: img.width, height: img.height };
}
