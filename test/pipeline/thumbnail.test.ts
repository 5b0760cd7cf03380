import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { THUMBNAIL_PREFIX } from '../../src/server/protocol.js';
import { THUMBNAIL_WIDTH, thumbnailDataUrl } from '../../src/pipeline/thumbnail.js';
import { solidFrame } from '../helpers/memory-source.js';

/** Decodes a thumbnail and returns its size and centre pixel as [r, g, b]. */
async function decode(url: string): Promise<{ width: number; height: number; centre: number[] }> {
  assert.ok(url.startsWith(THUMBNAIL_PREFIX));
  const { data, info } = await sharp(Buffer.from(url.slice(THUMBNAIL_PREFIX.length), 'base64')).raw().toBuffer({ resolveWithObject: true });
  const i = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return { width: info.width, height: info.height, centre: [data[i]!, data[i + 1]!, data[i + 2]!] };
}

function near(actual: number[], expected: number[], what: string): void {
  assert.ok(actual.every((v, k) => Math.abs(v - expected[k]!) <= 8), `${what}: got rgb(${actual}), expected about rgb(${expected})`);
}

test('an X11 frame (BGRX, the X byte 0) gives a thumbnail in its real colours, not black', async () => {
  const frame = solidFrame(0, [], 640, 480);
  for (let i = 0; i < frame.data.length; i += 4) frame.data.set([0x30, 0x80, 0xe0, 0x00], i); // B G R X: orange-ish
  const thumb = await decode(await thumbnailDataUrl(frame));
  assert.deepEqual([thumb.width, thumb.height], [THUMBNAIL_WIDTH, 240]);
  near(thumb.centre, [0xe0, 0x80, 0x30], 'centre pixel');
});

test('an RGBA frame keeps its channel order; a small frame is not enlarged', async () => {
  const frame = { ...solidFrame(0, [], 100, 50), pixelFormat: 'rgba' as const };
  for (let i = 0; i < frame.data.length; i += 4) frame.data.set([0xe0, 0x80, 0x30, 0xff], i);
  const thumb = await decode(await thumbnailDataUrl(frame));
  assert.deepEqual([thumb.width, thumb.height], [100, 50]);
  near(thumb.centre, [0xe0, 0x80, 0x30], 'centre pixel');
});
