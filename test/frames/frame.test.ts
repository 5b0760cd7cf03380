// The one pixel-format conversion (frames/frame.ts opaqueRgb): BGRA and RGBA frames of the same
// colours come out of sharp as the same opaque RGB, whatever the undefined X byte holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { opaqueRgb, type PixelFormat } from '../../src/frames/frame.js';

const COLOURS = [0xff0000, 0x00ff00, 0x0000ff, 0x123456];

function pixels(format: PixelFormat): Buffer {
  return Buffer.from(
    COLOURS.flatMap((rgb, i) => {
      const [r, g, b] = [rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff];
      const x = i * 37; // X11 leaves the fourth byte undefined: it must not matter
      return format === 'bgra' ? [b, g, r, x] : [r, g, b, x];
    }),
  );
}

async function rgbOf(format: PixelFormat): Promise<number[]> {
  const image = opaqueRgb(sharp(pixels(format), { raw: { width: COLOURS.length, height: 1, channels: 4 } }), format);
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return COLOURS.map((_, i) => (data[i * 3]! << 16) | (data[i * 3 + 1]! << 8) | data[i * 3 + 2]!);
}

test('opaqueRgb gives the same RGB for a BGRA and an RGBA frame and drops the fourth byte', async () => {
  assert.deepEqual(await rgbOf('rgba'), COLOURS);
  assert.deepEqual(await rgbOf('bgra'), COLOURS);
});
