// `build-model` end to end on generated tiny checkpoints: files, manifest, real onnxruntime sessions,
// int4/fp16 weight numerics, the staging-folder swap, and one clear error per kind of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { tinyCheckpoint } from '../../tools/checkpoint-gen/generate.js';
import { buildModelCommand, type CommandIo } from '../../src/model-builder/command.js';
import { buildModel } from '../../src/model-builder/build.js';
import { createBuildContext, INT4_BLOCK, type BuildDType } from '../../src/model-builder/build-context.js';
import { parseManifest } from '../../src/model-builder/manifest.js';
import { Graph } from '../../src/model-builder/onnx/graph.js';
import { saveModel } from '../../src/model-builder/onnx/writer.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/model-builder/onnx/float16.js';
import { openCheckpoint } from '../../src/model-builder/safetensors.js';
import { progressRenderer } from '../../src/model-builder/progress.js';
import { SightlineError } from '../../src/errors.js';
import { UsageError } from '../../src/cli/usage-error.js';

function captureIo(isTTY = false): CommandIo & { out: () => string } {
  let out = '';
  return {
    stdout: { write: (t) => void (out += t), isTTY, columns: 120 },
    out: () => out,
  };
}

/** The SightlineError a user's mistake is thrown as (src/cli.ts prints its sentence, exit 2). */
async function userError(run: Promise<number>, code: string): Promise<SightlineError> {
  let caught: unknown;
  await run.then(
    (exit) => assert.fail(`expected ${code}, got exit ${exit}`),
    (err: unknown) => (caught = err),
  );
  assert.ok(caught instanceof SightlineError, `expected a SightlineError, got ${(caught as Error)?.stack}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'build-test-'));
}

test('build-model turns the tiny 1.3B checkpoint into loadable ONNX files and a manifest', async () => {
  const ckpt = await tinyCheckpoint('1.3b');
  const root = scratch();
  try {
    const out = join(root, 'models', 'tiny');
    const io = captureIo();
    const code = await buildModelCommand([ckpt, '--out', out, '--dtype', 'fp16'], io);
    assert.equal(code, 0, io.out());
    assert.match(io.out(), /built .*tiny \(fp16\).*peak RSS/);
    assert.deepEqual(readdirSync(join(root, 'models')), ['tiny'], 'no staging folder is left next to the model');
    const files = readdirSync(out).sort();
    for (const f of ['decoder.onnx', 'decoder.onnx.data', 'embed_tokens.onnx', 'embed_tokens.onnx.data', 'manifest.json', 'tokenizer.json', 'vision_encoder.onnx']) {
      assert.ok(files.includes(f), `${f} written`);
    }
    const m = parseManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')), 'manifest.json');
    assert.equal(m.model.variant, 'siglip');
    assert.equal(m.dtype, 'fp16');
    assert.deepEqual(m.tokens, { imagePlaceholder: 100015, bos: 100000, eos: 100001, pad: 100001, addBos: true, imageTokensPerImage: 576 });
    assert.deepEqual(m.preprocessing.background, [127, 127, 127]);
    assert.equal(m.preprocessing.imageSize, 384);
    assert.equal(m.dims.hiddenSize, 64);
    assert.equal(m.files.vision?.inputs[0]?.name, 'pixel_values');
    assert.equal(m.files.vision?.outputs[0]?.name, 'image_features');
    assert.match(m.chat.systemPrompt, /^You are a helpful language and vision assistant/);

    // Embedding rows come back as the checkpoint's values rounded to float16 storage.
    const session = await ort.InferenceSession.create(join(out, 'embed_tokens.onnx'));
    const ids = [0, 7, 100015];
    const res = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, 3]) });
    const got = res['inputs_embeds']!.data as Float32Array;
    const table = openCheckpoint(ckpt);
    ids.forEach((id, r) => {
      const row = table.readFloat32Range('language_model.model.embed_tokens.weight', id * 64, 64);
      const want = float16BitsToFloat32(float32ToFloat16Bits(row));
      for (let j = 0; j < 64; j++) assert.equal(got[r * 64 + j], want[j], `embedding of token ${id}, column ${j}`);
    });
    table.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the hybrid (7B-layout) checkpoint builds at int4 with its own preprocessing constants', async () => {
  const ckpt = await tinyCheckpoint('7b');
  const root = scratch();
  try {
    const events: string[] = [];
    const summary = await buildModel({ checkpointDir: ckpt, outDir: join(root, 'm'), dtype: 'int4', onProgress: (e) => events.push(e.kind) });
    const m = parseManifest(JSON.parse(readFileSync(join(root, 'm', 'manifest.json'), 'utf8')), 'manifest.json');
    assert.equal(m.model.variant, 'hybrid');
    assert.deepEqual(m.preprocessing.background, [122, 116, 104]);
    assert.equal(m.preprocessing.imageSize, 1024);
    assert.equal(events[0], 'start');
    assert.ok(events.filter((k) => k === 'tensor').length > 100, 'progress reports tensors');
    assert.ok(summary.peakRssBytes > 0 && summary.totalBytes > 0);
    const onnx = readFileSync(join(root, 'm', 'decoder.onnx'));
    assert.ok(onnx.includes(Buffer.from('MatMulNBits')), 'the decoder uses int4 MatMulNBits');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** x·Wᵀ(+b) in float64 with W given row-major [out,in]. */
function reference(x: Float32Array, w: Float32Array, b: Float32Array | null, inF: number, outF: number): Float64Array {
  const rows = x.length / inF;
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let acc = b?.[o] ?? 0;
      for (let i = 0; i < inF; i++) acc += x[r * inF + i]! * w[o * inF + i]!;
      y[r * outF + o] = acc;
    }
  }
  return y;
}

/** The int4 scheme the builder documents: per row and 32-block, scale max|w|/7, q = round(w/scale) in [−8, 7]. */
function dequantizeInt4(w: Float32Array, inF: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let start = 0; start < w.length; start += inF) {
    for (let b = 0; b < inF; b += INT4_BLOCK) {
      let amax = 0;
      for (let i = b; i < Math.min(b + INT4_BLOCK, inF); i++) amax = Math.max(amax, Math.abs(w[start + i]!));
      const s = amax / 7;
      // Multiplying by 1/s (not dividing) matches the builder bit for bit on bf16 ties like -3.5.
      const inv = s === 0 ? 0 : 1 / s;
      for (let i = b; i < Math.min(b + INT4_BLOCK, inF); i++) out[start + i] = Math.max(-8, Math.min(7, Math.round(w[start + i]! * inv))) * s;
    }
  }
  return out;
}

async function runLinear(ckptDir: string, prefix: string, inF: number, outF: number, dtype: BuildDType, x: Float32Array): Promise<Float32Array> {
  const dir = scratch();
  try {
    const checkpoint = openCheckpoint(ckptDir);
    const g = new Graph('linear', { externalDataFile: join(dir, 'linear.onnx.data') });
    const input = g.input('x', 'float32', ['rows', inF]);
    const y = createBuildContext({ checkpoint, graph: g, dtype }).linear(input, prefix, inF, outF);
    g.output(y, 'float32', ['rows', outF]);
    saveModel(g, join(dir, 'linear.onnx'));
    checkpoint.close();
    const session = await ort.InferenceSession.create(join(dir, 'linear.onnx'));
    const res = await session.run({ x: new ort.Tensor('float32', x, [x.length / inF, inF]) });
    return res[y]!.data as Float32Array;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('linear() computes x·Wᵀ+b at fp32, from float16 storage at fp16, and with int4 MatMulNBits at int4', async () => {
  const ckptDir = await tinyCheckpoint('1.3b');
  const ckpt = openCheckpoint(ckptDir);
  const cases = [
    { prefix: 'aligner.layers.0', inF: 64, outF: 64 },
    { prefix: 'language_model.model.layers.0.mlp.down_proj', inF: 128, outF: 64 },
  ];
  for (const { prefix, inF, outF } of cases) {
    const w = ckpt.readFloat32(`${prefix}.weight`);
    const b = ckpt.has(`${prefix}.bias`) ? ckpt.readFloat32(`${prefix}.bias`) : null;
    const x = Float32Array.from({ length: 3 * inF }, (_, i) => Math.sin(i * 0.37));
    const exact = reference(x, w, b, inF, outF);
    const close = (got: Float32Array, want: Float64Array, tol: number, what: string) =>
      want.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) <= tol * (1 + Math.abs(v)), `${prefix} ${what} [${i}]: ${got[i]} vs ${v}`));
    close(await runLinear(ckptDir, prefix, inF, outF, 'fp32', x), exact, 1e-5, 'fp32');
    // A [64,64] weight (4096 elements) is below the fp16 threshold and stays fp32; larger ones are float16.
    const half = float16BitsToFloat32(float32ToFloat16Bits(w));
    const fp16Weights = w.length >= 65536 ? half : w;
    close(await runLinear(ckptDir, prefix, inF, outF, 'fp16', x), reference(x, fp16Weights, b, inF, outF), 1e-5, 'fp16');
    const int4 = await runLinear(ckptDir, prefix, inF, outF, 'int4', x);
    // MatMulNBits runs with accuracy_level 4 (int8 activations, quantised per block of 32), so the
    // result matches the dequantised weights only to the activations' 8-bit step (~0.4%); a packing
    // or layout mistake gives errors of the size of the outputs themselves.
    close(int4, reference(x, dequantizeInt4(w, inF), b, inF, outF), 1e-2, 'int4 vs dequantised reference');
    const err = Math.sqrt(exact.reduce((s, v, i) => s + (int4[i]! - v) ** 2, 0) / exact.reduce((s, v) => s + v * v, 0));
    assert.ok(err > 1e-3 && err < 0.15, `${prefix}: int4 relative error ${err.toFixed(4)} is that of 4-bit weights`);
  }
  ckpt.close();
});

/** A copy of a tiny checkpoint whose big weight files are links unless `editWeights` is set. */
function checkpointCopy(src: string, editWeights = false): string {
  const dir = scratch();
  for (const f of readdirSync(src)) {
    if (f.endsWith('.safetensors') && !editWeights) symlinkSync(join(src, f), join(dir, f));
    else copyFileSync(join(src, f), join(dir, f));
  }
  return dir;
}

/** Rewrites a safetensors header in place (data untouched). */
function editHeader(file: string, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>) => void): void {
  const buf = readFileSync(file);
  const len = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8'));
  edit(header);
  let json = JSON.stringify(header);
  json += ' '.repeat(Math.max(0, len - Buffer.byteLength(json)));
  assert.ok(Buffer.byteLength(json) === len, 'edited header keeps its length');
  buf.write(json, 8, 'utf8');
  writeFileSync(file, buf);
}

async function failingBuild(dir: string, outDir: string): Promise<string> {
  const err = await userError(buildModelCommand([dir, '--out', outDir, '--dtype', 'fp32'], captureIo()), 'ERR_BAD_CHECKPOINT');
  assert.doesNotMatch(err.sentence, /\n/, 'one line for a bad checkpoint');
  return err.sentence;
}

test('bad checkpoints fail with one clear message and leave an existing model untouched', async () => {
  const src = await tinyCheckpoint('1.3b');
  const root = scratch();
  const outDir = join(root, 'model');
  const copies: string[] = [];
  const copy = (edit = false) => {
    const c = checkpointCopy(src, edit);
    copies.push(c);
    return c;
  };
  try {
    assert.equal(await buildModelCommand([src, '--out', outDir, '--parts', 'embed'], captureIo()), 0);
    const before = readFileSync(join(outDir, 'manifest.json'), 'utf8');

    const missing = copy(true);
    editHeader(join(missing, 'model.safetensors'), (h) => delete h['language_model.model.layers.1.self_attn.k_proj.weight']);
    assert.match(await failingBuild(missing, outDir), /tensor "language_model\.model\.layers\.1\.self_attn\.k_proj\.weight" not found in the checkpoint \(searched model\.safetensors/);

    const wrongShape = copy(true);
    editHeader(join(wrongShape, 'model.safetensors'), (h) => (h['language_model.model.layers.0.mlp.up_proj.weight']!.shape = [64, 128]));
    assert.match(
      await failingBuild(wrongShape, outDir),
      /model\.safetensors: tensor "language_model\.model\.layers\.0\.mlp\.up_proj\.weight": expected shape \[128, 64\], found \[64, 128\]/,
    );

    const unknownValue = copy();
    const cfg = JSON.parse(readFileSync(join(unknownValue, 'config.json'), 'utf8'));
    cfg.vision_config.params.model_name = 'siglip_so400m_patch14_384';
    writeFileSync(join(unknownValue, 'config.json'), JSON.stringify(cfg));
    assert.match(await failingBuild(unknownValue, outDir), /config\.json: key "vision_config\.params\.model_name": unknown model_name "siglip_so400m_patch14_384"; known values: /);

    const truncated = copy(true);
    const st = join(truncated, 'model.safetensors');
    truncateSync(st, statSync(st).size - 4096);
    assert.match(await failingBuild(truncated, outDir), /model\.safetensors: truncated: tensor "language_model\.lm_head\.weight" ends at byte \d+ but the file has \d+ bytes/);

    const noTokenizer = copy();
    rmSync(join(noTokenizer, 'tokenizer.json'));
    assert.match(await failingBuild(noTokenizer, outDir), /tokenizer\.json: missing \(the tokenizer\)/);

    assert.equal(readFileSync(join(outDir, 'manifest.json'), 'utf8'), before, 'the earlier model is still in place');
    assert.deepEqual(readdirSync(root), ['model'], 'failed builds leave no staging folders');
  } finally {
    for (const c of copies) rmSync(c, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
});

test('a staging folder left by a killed build is removed by the next build to the same place', async () => {
  const src = await tinyCheckpoint('1.3b');
  const root = scratch();
  try {
    // pid 2^22 + 1 is above the largest pid_max Linux allows, so no live process owns it.
    const stale = join(root, `.model.partial-${2 ** 22 + 1}-1`);
    mkdirSync(stale);
    writeFileSync(join(stale, 'decoder.onnx.data'), 'half-written');
    assert.equal(await buildModelCommand([src, '--out', join(root, 'model'), '--parts', 'embed'], captureIo()), 0);
    assert.deepEqual(readdirSync(root), ['model']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('usage mistakes are UsageErrors naming the flag or argument; --help exits 0', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /missing <checkpoint dir>/],
    [['a', 'b'], /expected one checkpoint folder, got 2/],
    [['ckpt', '--dtype', 'int8'], /--dtype must be one of fp32, fp16, int4, got "int8"/],
    [['ckpt', '--parts', 'vision,lm'], /--parts: unknown part "lm"/],
    [['ckpt', '--bogus'], /Unknown option '--bogus' \(see: sightline build-model --help\)/],
  ];
  for (const [argv, message] of cases) {
    const err = await userError(buildModelCommand(argv, captureIo()), 'ERR_USAGE');
    assert.ok(err instanceof UsageError && err.exitCode === 2, argv.join(' '));
    assert.match(err.message, message);
  }
  const io = captureIo();
  assert.equal(await buildModelCommand(['--help'], io), 0);
  assert.match(io.out(), /--dtype TYPE/);
  const missing = await userError(buildModelCommand([join(tmpdir(), 'no-such-checkpoint-dir'), '--out', join(tmpdir(), 'never')], captureIo()), 'ERR_BAD_CHECKPOINT');
  assert.match(missing.message, /no-such-checkpoint-dir: checkpoint folder not found/);
  assert.ok(!existsSync(join(tmpdir(), 'never')));
});

test('progress draws a bar on a terminal and only part lines elsewhere', () => {
  let t = 0;
  const tty = captureIo(true);
  const plain = captureIo(false);
  for (const io of [tty, plain]) {
    const p = progressRenderer(io.stdout, () => t);
    p({ kind: 'start', parts: ['decoder'], totalBytes: 2000 });
    p({ kind: 'part-start', part: 'decoder', file: 'decoder.onnx' });
    t += 500;
    p({ kind: 'tensor', part: 'decoder', name: 'w1', doneBytes: 1000, totalBytes: 2000 });
    p({ kind: 'tensor', part: 'decoder', name: 'w2', doneBytes: 1500, totalBytes: 2000 });
    p({ kind: 'part-done', part: 'decoder', file: 'decoder.onnx', bytes: 2000, seconds: 0.5 });
  }
  assert.match(tty.out(), /\r\x1b\[2K\[#{15}\.{15}\]  50% decoder 1\.0 kB\/2\.0 kB/);
  assert.doesNotMatch(tty.out(), /75%/, 'redraws are throttled');
  assert.doesNotMatch(plain.out(), /\r|#/);
  assert.equal(plain.out().trim().split('\n').length, 3);
});
