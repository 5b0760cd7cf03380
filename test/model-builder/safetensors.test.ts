// The checkpoint reader against files written byte by byte here (F32/F16/BF16), the generated
// sharded checkpoint, and broken files: each failure names the file and tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from '../../src/model-builder/safetensors.js';
import { tinyCheckpoint } from '../../tools/checkpoint-gen/generate.js';
import { configJson } from '../../tools/checkpoint-gen/layout.js';

function safetensorsBytes(tensors: Array<{ name: string; dtype: string; shape: number[]; bytes: Uint8Array }>): Buffer {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.byteLength] };
    off += t.bytes.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...tensors.map((t) => Buffer.from(t.bytes))]);
}

function folderWith(weights: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'st-test-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson('1.3b', 'tiny', 'bfloat16')));
  writeFileSync(join(dir, 'model.safetensors'), weights);
  return dir;
}

test('F32, F16 and BF16 tensors read back as the float32 values they encode, whole or by range', () => {
  const f32 = Float32Array.of(1.5, -2.25, 3e-3, 0);
  // float16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001
  const f16 = Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001);
  // bfloat16: top halves of float32 1.0 (0x3f80), -0.5 (0xbf00), 3.0 (0x4040)
  const bf16 = Uint16Array.of(0x3f80, 0xbf00, 0x4040);
  const dir = folderWith(
    safetensorsBytes([
      { name: 'a', dtype: 'F32', shape: [2, 2], bytes: new Uint8Array(f32.buffer) },
      { name: 'b', dtype: 'F16', shape: [4], bytes: new Uint8Array(f16.buffer) },
      { name: 'c', dtype: 'BF16', shape: [3], bytes: new Uint8Array(bf16.buffer) },
    ]),
  );
  try {
    const ckpt = openCheckpoint(dir);
    assert.deepEqual(Array.from(ckpt.readFloat32('a')), Array.from(f32));
    assert.deepEqual(Array.from(ckpt.readFloat32('b')), [1, -2, 65504, 2 ** -24]);
    assert.deepEqual(Array.from(ckpt.readFloat32('c')), [1, -0.5, 3]);
    assert.deepEqual(Array.from(ckpt.readFloat32Range('c', 1, 2)), [-0.5, 3]);
    assert.deepEqual(ckpt.info('a'), { name: 'a', dtype: 'F32', shape: [2, 2], file: 'model.safetensors' });
    assert.throws(() => ckpt.info('nope'), /tensor "nope" not found/);
    ckpt.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sharded checkpoint is read through model.safetensors.index.json', async () => {
  const dir = await tinyCheckpoint('7b');
  const ckpt = openCheckpoint(dir);
  try {
    const files = new Set(ckpt.names().map((n) => ckpt.info(n).file));
    assert.deepEqual([...files].sort(), ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    assert.equal(ckpt.names().length, Object.keys(index.weight_map).length);
    const w = ckpt.readFloat32('language_model.lm_head.weight');
    assert.equal(w.length, 102400 * 64);
    assert.ok(w.every(Number.isFinite));
  } finally {
    ckpt.close();
  }
});

test('a truncated file is refused naming the file, the tensor cut off, and the sizes', async () => {
  const src = await tinyCheckpoint('1.3b');
  const dir = mkdtempSync(join(tmpdir(), 'st-trunc-'));
  try {
    copyFileSync(join(src, 'config.json'), join(dir, 'config.json'));
    copyFileSync(join(src, 'model.safetensors'), join(dir, 'model.safetensors'));
    const size = statSync(join(dir, 'model.safetensors')).size;
    truncateSync(join(dir, 'model.safetensors'), size - 1000);
    assert.throws(
      () => openCheckpoint(dir),
      (e: Error) =>
        e.message.includes(join(dir, 'model.safetensors')) &&
        e.message.includes('truncated') &&
        e.message.includes('"language_model.lm_head.weight"') &&
        e.message.includes(`ends at byte ${size}`) &&
        e.message.includes(`has ${size - 1000} bytes`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a garbage header and a header with a wrong byte count are refused with the file named', () => {
  const garbage = folderWith(Buffer.from('this is not a safetensors file at all'));
  const wrongLen = folderWith(safetensorsBytes([{ name: 'x', dtype: 'F32', shape: [3], bytes: new Uint8Array(8) }]));
  try {
    assert.throws(() => openCheckpoint(garbage), /model\.safetensors: bad safetensors header/);
    assert.throws(() => openCheckpoint(wrongLen), /tensor "x": shape \[3\] F32 needs 12 bytes, header gives 8/);
  } finally {
    rmSync(garbage, { recursive: true, force: true });
    rmSync(wrongLen, { recursive: true, force: true });
  }
});

test('a shard index naming a tensor its shard lacks, or a missing shard, is refused', async () => {
  const src = await tinyCheckpoint('7b');
  const dir = mkdtempSync(join(tmpdir(), 'st-index-'));
  try {
    for (const f of ['config.json', 'model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']) {
      copyFileSync(join(src, f), join(dir, f));
    }
    const index = JSON.parse(readFileSync(join(src, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    index.weight_map['language_model.model.extra.weight'] = 'model-00002-of-00003.safetensors';
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    assert.throws(() => openCheckpoint(dir), /model-00002-of-00003\.safetensors: tensor "language_model\.model\.extra\.weight" is listed in model\.safetensors\.index\.json but not in the shard/);
    rmSync(join(dir, 'model-00003-of-00003.safetensors'));
    assert.throws(() => openCheckpoint(dir), /model-00003-of-00003\.safetensors: missing shard/);
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'empty', 'config.json'), readFileSync(join(src, 'config.json')));
    assert.throws(() => openCheckpoint(join(dir, 'empty')), /no model\.safetensors or model\.safetensors\.index\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
