// Small JPEG previews for `frame` events, made only when a client asked for them. sharp works on
// its own thread pool, so this never blocks the capture loop.
import sharp from 'sharp';
import { opaqueRgb, type RawFrame } from '../frames/frame.js';

export const THUMBNAIL_WIDTH = 320;

export async function thumbnailDataUrl(frame: RawFrame, width = THUMBNAIL_WIDTH): Promise<string> {
  // X11 frames are BGRX: red and blue are swapped after the (cheaper) resize instead of converting the frame.
  const resized = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } }).resize({ width: Math.min(width, frame.width) });
  const image = opaqueRgb(resized, frame.pixelFormat);
  const jpeg = await image.jpeg({ quality: 60 }).toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}
