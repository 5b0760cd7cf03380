// Small JPEG previews for `frame` events, made only when a client asked for them. sharp works on
// its own thread pool, so this never blocks the capture loop.
//
// Two passes, because of what a frame's fourth byte is: X11 gives BGRX with X undefined (0 on
// Xvfb), but sharp reads a 4-channel raw image as RGBA and premultiplies by that "alpha" before a
// resize (its removeAlpha only runs at the end of the pipeline), which turned every X11 thumbnail
// black. The first pass only drops the fourth channel, the second resizes a plain 3-channel image.
import sharp from 'sharp';
import { opaqueRgb, type RawFrame } from '../frames/frame.js';

export const THUMBNAIL_WIDTH = 320;

export async function thumbnailDataUrl(frame: RawFrame, width = THUMBNAIL_WIDTH): Promise<string> {
  const opaque = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } }).removeAlpha().raw().toBuffer();
  // BGRX: red and blue are swapped after the (cheaper) resize instead of converting the whole frame.
  const image = opaqueRgb(sharp(opaque, { raw: { width: frame.width, height: frame.height, channels: 3 } }).resize({ width: Math.min(width, frame.width) }), frame.pixelFormat);
  const jpeg = await image.jpeg({ quality: 60 }).toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}
