// Errors crossing the worker boundary: a SightlineError comes back as one, with code, message,
// hint and file as fields (nothing parsed out of a message); a bug stays a bug, never user-facing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerCallError, WorkerClient, siblingWorkerUrl } from '../../src/inference/worker-rpc.js';
import { SightlineError, isSightlineError } from '../../src/errors.js';
import { OcrError, ocrErrorFromData } from '../../src/ocr/errors.js';
import type { ErrorsWorkerApi } from './errors-worker.js';

const plain = new WorkerClient<ErrorsWorkerApi>(siblingWorkerUrl(import.meta.url, 'errors-worker'));
const ocr = new WorkerClient<ErrorsWorkerApi>(siblingWorkerUrl(import.meta.url, 'errors-worker'), undefined, { rebuildError: ocrErrorFromData });
after(async () => {
  await plain.close();
  await ocr.close();
});

test('a SightlineError raised in a worker is rebuilt with every field', async () => {
  const file = '/models/a file with\nfile: odd.onnx';
  await assert.rejects(plain.call('userMistake', file), (err: unknown) => {
    assert.ok(err instanceof SightlineError);
    assert.equal(err.code, 'ERR_MODEL_MISSING');
    assert.equal(err.file, file);
    assert.equal(err.hint, 'build it');
    assert.equal(err.message, `model file not found: ${file}`);
    return true;
  });
  assert.equal(await plain.call('echo', 7), 7, 'the worker keeps serving after an error');
});

test('an engine rebuilds its own subclass from the data', async () => {
  await assert.rejects(ocr.call('ocrMistake', '/m/rec.onnx'), (err: unknown) => err instanceof OcrError && err.code === 'ERR_OCR_MODEL_INVALID' && err.file === '/m/rec.onnx' && err.hint === 'reinstall');
});

test('a bug in a worker is not a SightlineError and keeps the worker stack', async () => {
  await assert.rejects(plain.call('bug', null), (err: unknown) => {
    assert.ok(!isSightlineError(err));
    assert.ok(err instanceof WorkerCallError);
    assert.match(err.message, /cannot read properties of undefined/);
    assert.match(err.stack ?? '', /in the worker: TypeError/);
    return true;
  });
});
