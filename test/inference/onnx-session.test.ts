// The ONNX session factory on this machine's CPU: a real session runs; a device this install
// lacks, a missing file and a damaged file each give their stable code, the file and what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOnnxSession, providerInstalled } from '../../src/inference/onnx-session.js';
import { SightlineError } from '../../src/errors.js';
import { defaultModelFiles } from '../../src/ocr/model-files.js';

const model = defaultModelFiles().detection;

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'sightline-onnx-'));
}

async function rejectsWith(run: Promise<unknown>, code: string): Promise<SightlineError> {
  let caught: unknown;
  await run.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => (caught = err),
  );
  assert.ok(caught instanceof SightlineError, `not a SightlineError: ${(caught as Error)?.stack}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

test('a cpu session is a real onnxruntime session that runs', async () => {
  const { session, device } = await createOnnxSession(model, { device: 'cpu', threads: 1 });
  try {
    assert.equal(device, 'cpu');
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(3 * 32 * 32).fill(0.5), [1, 3, 32, 32]) });
    assert.deepEqual(out[session.outputNames[0]!]!.dims, [1, 1, 32, 32]);
  } finally {
    await session.release();
  }
});

test('auto falls back to a device that works (cpu on a machine without a GPU provider)', async () => {
  const { session, device } = await createOnnxSession(model, { device: 'auto', threads: 1 });
  await session.release();
  if (!providerInstalled('cuda')) assert.notEqual(device, 'cuda');
  assert.ok(['cpu', 'webgpu', 'cuda'].includes(device));
});

test('cuda without its provider libraries is ERR_DEVICE_UNAVAILABLE with the install command', async () => {
  if (providerInstalled('cuda')) {
    // An install with the CUDA build: the session must then really run on cuda.
    const { session, device } = await createOnnxSession(model, { device: 'cuda' });
    await session.release();
    assert.equal(device, 'cuda');
    return;
  }
  const err = await rejectsWith(createOnnxSession(model, { device: 'cuda' }), 'ERR_DEVICE_UNAVAILABLE');
  assert.match(err.message, /device cuda is not available/);
  assert.match(err.hint ?? '', /npm install --onnxruntime-node-install=cuda12/);
  assert.match(err.hint ?? '', /machine with internet/);
});

test('a missing model file is ERR_MODEL_MISSING naming the file', async () => {
  const dir = scratch();
  try {
    const path = join(dir, 'absent.onnx');
    const err = await rejectsWith(createOnnxSession(path, { device: 'cpu', label: 'test model', fileHint: 'make it' }), 'ERR_MODEL_MISSING');
    assert.equal(err.file, path);
    assert.equal(err.sentence, `test model file not found: ${path}; make it.`, "the sentence ends with a full stop");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged model file is ERR_MODEL_INVALID naming the file, on every device', async () => {
  const dir = scratch();
  try {
    const path = join(dir, 'damaged.onnx');
    writeFileSync(path, readFileSync(model).subarray(0, 100_000));
    for (const device of ['cpu', 'auto'] as const) {
      const err = await rejectsWith(createOnnxSession(path, { device }), 'ERR_MODEL_INVALID');
      assert.equal(err.file, path);
      assert.match(err.message, /could not be loaded \(.+\)/);
      assert.doesNotMatch(err.message, /\n/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
