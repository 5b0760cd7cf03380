// The OCR tensors, pinned: detection and recognition inputs built from a real screenshot must stay
// bit-identical (the hashes were taken before the two preprocessors shared one bilinear sampler),
// and a BGRA frame must give the same tensor as the same pixels in RGBA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildDetInput } from '../../src/ocr/det-preprocess.js';
import { recWidth, writeRecInput, REC_HEIGHT } from '../../src/ocr/rec-preprocess.js';
import type { OcrImage } from '../../src/ocr/image.js';
import type { Rect } from '../../src/frames/rect.js';
import { screenFrame } from '../helpers/ocr-pages.js';

function sha(tensor: Float32Array): string {
  return createHash('sha256').update(Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength)).digest('hex').slice(0, 16);
}

/** The same pixels with red and blue swapped, declared BGRA: what X11 capture hands over. */
function asBgra(image: OcrImage): OcrImage {
  const data = Uint8Array.from(image.data);
  for (let i = 0; i < data.length; i += 4) [data[i], data[i + 2]] = [data[i + 2]!, data[i]!];
  return { ...image, data, pixelFormat: 'bgra' };
}

async function excel(): Promise<OcrImage> {
  const frame = await screenFrame('excel.png');
  return { data: frame.data, width: frame.width, height: frame.height, pixelFormat: 'rgba' };
}

// Areas inside the frame, over its top-left and bottom-right edges, at 1x, HiDPI 1/2 and an odd scale.
const DET_CASES: { area: Rect; scale: number; hash: string }[] = [
  { area: { x: 0, y: 0, width: 640, height: 320 }, scale: 1, hash: '640x320:30de854425b0c9e7' },
  { area: { x: -48, y: -32, width: 300, height: 200 }, scale: 1, hash: '320x224:de4162240d0d0a87' },
  { area: { x: 0, y: 0, width: 1919, height: 1079 }, scale: 0.5, hash: '960x544:6c656bdf5b55ab57' },
  { area: { x: 1700, y: 900, width: 400, height: 300 }, scale: 0.5, hash: '224x160:f292428f5e8c073d' },
  { area: { x: 333, y: 211, width: 517, height: 263 }, scale: 0.75, hash: '416x224:2235ff30765378dc' },
];

// Line-like crops (wide, square, tall and tiny), resized to height 48, written into slot 1 of a wider batch.
const REC_CASES: { box: Rect; hash: string }[] = [
  { box: { x: 10, y: 40, width: 300, height: 20 }, hash: '720:a0a35026afd8aab0' },
  { box: { x: 1500, y: 1000, width: 419, height: 79 }, hash: '255:58bc8d71f46ad50b' },
  { box: { x: 700, y: 300, width: 60, height: 60 }, hash: '48:3f7a2745fb67d925' },
  { box: { x: 0, y: 0, width: 7, height: 90 }, hash: '16:19d5fbef9e0afa9e' },
  { box: { x: 901, y: 502, width: 3, height: 2 }, hash: '72:90372e1b541b0a7e' },
];

function recTensor(image: OcrImage, box: Rect): Float32Array {
  const width = recWidth(box);
  const batchWidth = width + 37;
  const tensor = new Float32Array(2 * 3 * REC_HEIGHT * batchWidth);
  writeRecInput(image, box, width, tensor, 1, batchWidth);
  return tensor;
}

test('detection tensors from a real screen are unchanged, and BGRA reads like RGBA', async () => {
  const rgba = await excel();
  const bgra = asBgra(rgba);
  const hashes = DET_CASES.map(({ area, scale }) => {
    const input = buildDetInput(rgba, area, scale);
    assert.equal(sha(buildDetInput(bgra, area, scale).tensor), sha(input.tensor), `BGRA at ${JSON.stringify(area)} x${scale}`);
    return `${input.width}x${input.height}:${sha(input.tensor)}`;
  });
  assert.deepEqual(hashes, DET_CASES.map((c) => c.hash));
});

test('recognition tensors from a real screen are unchanged, and BGRA reads like RGBA', async () => {
  const rgba = await excel();
  const bgra = asBgra(rgba);
  const hashes = REC_CASES.map(({ box }) => {
    const tensor = recTensor(rgba, box);
    assert.equal(sha(recTensor(bgra, box)), sha(tensor), `BGRA at ${JSON.stringify(box)}`);
    return `${recWidth(box)}:${sha(tensor)}`;
  });
  assert.deepEqual(hashes, REC_CASES.map((c) => c.hash));
});
