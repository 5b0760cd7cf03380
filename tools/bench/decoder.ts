// Decoder benchmark (CPU): prefill of a 600-token prompt and single decode steps at several context
// lengths, fp32 and int4, next to the FLOP counts of reference §9.4 and the GFLOP/s of plain MatMuls
// measured in the same run.
//
//   node dist/tools/bench/decoder.js --checkpoint <1.3b checkpoint dir> [--dtypes fp32,int4]
//        [--prompt 600] [--contexts 64,600,2048] [--steps 5] [--threads N] [--work DIR]
//
// Decode steps at context L run after the cache is marked as holding L positions (KvCache.advance):
// the attention cost depends on L, not on what the cache holds, and this avoids a long prefill per L.
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { argmax, DecoderSession } from '../../src/llm/decoder-session.js';
import type { BuildDType } from '../../src/model-builder/build-context.js';
import { buildTextModels } from '../../src/model-builder/deepseek-vl/text/build-text.js';
import { openCheckpoint } from '../../src/model-builder/safetensors.js';
import { Graph } from '../../src/model-builder/onnx/graph.js';
import { saveModel } from '../../src/model-builder/onnx/writer.js';

const { values: args } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    dtypes: { type: 'string', default: 'fp32,int4' },
    prompt: { type: 'string', default: '600' },
    contexts: { type: 'string', default: '64,600,2048' },
    steps: { type: 'string', default: '5' },
    threads: { type: 'string' },
    work: { type: 'string' },
  },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Timing { wallMs: number; cpuMs: number }

/** Wall time and this process's CPU time (user + system, all onnxruntime threads): on a shared machine the CPU time is the steadier figure. */
async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}


/** GFLOP/s of a plain fp32 MatMul [m,k]·[k,n] (median of `runs`), the machine's baseline in this run. */
async function matmulGflops(m: number, k: number, n: number, runs: number, threads: number | undefined): Promise<{ wall: number; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-bench-matmul-'));
  const g = new Graph('matmul', { externalDataFile: join(dir, 'mm.onnx.data') });
  const a = g.input('a', 'float32', [m, k]);
  const b = g.initializer('b', { dtype: 'float32', dims: [k, n], data: Float32Array.from({ length: k * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5) });
  g.node('MatMul', [a, b], { outputs: ['y'] });
  g.output('y', 'float32', [m, n]);
  saveModel(g, join(dir, 'mm.onnx'));
  const s = await InferenceSession.create(join(dir, 'mm.onnx'), threads === undefined ? {} : { intraOpNumThreads: threads });
  const feed = { a: new Tensor('float32', new Float32Array(m * k).fill(0.01), [m, k]) };
  await s.run(feed);
  const times: Timing[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(() => s.run(feed)));
  await s.release();
  rmSync(dir, { recursive: true, force: true });
  const gflop = (2 * m * k * n) / 1e9;
  return { wall: gflop / (median(times.map((t) => t.wallMs)) / 1000), cpu: gflop / (median(times.map((t) => t.cpuMs)) / 1000) };
}

interface TextDims { d: number; f: number; layers: number; vocab: number; kvDim: number }

/** Reference §9.4: weight FLOPs per token 2·(body + lm_head) params; attention 4·L·d·layers. */
function flops(t: TextDims): { weightsPerToken: number; attentionPerToken: (L: number) => number } {
  const body = t.layers * (4 * t.d * t.d + 3 * t.d * t.f);
  return { weightsPerToken: 2 * (body + t.vocab * t.d), attentionPerToken: (L) => 4 * L * t.d * t.layers };
}

async function benchDtype(checkpointDir: string, dtype: BuildDType, work: string, t: TextDims, threads: number | undefined) {
  const out = join(work, dtype);
  let buildS = 0;
  if (!existsSync(join(out, 'decoder.onnx'))) {
    const t0 = performance.now();
    buildTextModels(checkpointDir, out, dtype);
    buildS = (performance.now() - t0) / 1000;
  }
  const promptLen = Number(args.prompt);
  const contexts = args.contexts!.split(',').map(Number);
  const steps = Number(args.steps);
  const maxLength = Math.max(promptLen, ...contexts) + steps + 1;
  const t0 = performance.now();
  const session = await DecoderSession.open({ modelDir: out, maxLength, threads });
  const kvBytes = session.cache.bytes;
  const loadS = (performance.now() - t0) / 1000;
  const f = flops(t);
  // A decode step reads every decoder weight once, plus the cached keys/values of L positions.
  const weightBytes = statSync(join(out, 'decoder.onnx.data')).size;
  const kvReadBytes = (L: number) => 2 * t.layers * t.kvDim * 4 * L;
  const prompt = Array.from({ length: promptLen }, (_, i) => (i * 7 + 11) % 100000);

  // Prefill: last-row logits only (num_logits_to_keep 1), as generation runs it.
  const prefill = await timed(() => session.prefill(prompt));
  const prefillMs = prefill.wallMs;
  const prefillFlops = promptLen * f.weightsPerToken - promptLen * (t.vocab * t.d * 2) + t.vocab * t.d * 2
    + f.attentionPerToken(promptLen) * promptLen / 2;
  const rows: string[] = [];
  rows.push(`| prefill ${promptLen} tokens | ${(prefillMs / 1000).toFixed(2)} s | ${(prefill.cpuMs / 1000).toFixed(2)} s | ${(prefillFlops / 1e9).toFixed(0)} GFLOP | ` +
    `${(prefillFlops / (prefillMs / 1000) / 1e9).toFixed(1)} GFLOP/s | ${(prefillFlops / (prefill.cpuMs / 1000) / 1e9).toFixed(1)} GFLOP/cpu-s | – |`);

  const stepMedians: Array<[number, number]> = [];
  for (const L of contexts) {
    session.reset();
    session.cache.advance(L);
    const times: Timing[] = [];
    let next = 5;
    for (let s = 0; s < steps; s++) {
      let logits: Float32Array = new Float32Array();
      times.push(await timed(async () => (logits = await session.step(next))));
      next = argmax(logits);
    }
    const ms = median(times.map((x) => x.wallMs));
    const cpuMs = median(times.map((x) => x.cpuMs));
    const fl = f.weightsPerToken + f.attentionPerToken(L);
    const bytes = weightBytes + kvReadBytes(L);
    rows.push(`| decode step at context ${L} | ${ms.toFixed(0)} ms (${(1000 / ms).toFixed(2)} tok/s) | ${cpuMs.toFixed(0)} ms | ${(fl / 1e9).toFixed(2)} GFLOP | ` +
      `${(fl / (ms / 1000) / 1e9).toFixed(1)} GFLOP/s | ${(fl / (cpuMs / 1000) / 1e9).toFixed(1)} GFLOP/cpu-s | ${(bytes / 2 ** 20).toFixed(0)} MiB, ${(bytes / (ms / 1000) / 1e9).toFixed(1)} GB/s |`);
    stepMedians.push([L, cpuMs]);
  }
  await session.release();
  const [L0, ms0] = stepMedians[0]!;
  const [L1, ms1] = stepMedians[stepMedians.length - 1]!;
  const growth = `step CPU time ${L1} vs ${L0}: ×${(ms1 / ms0).toFixed(2)}; FLOPs ×${((f.weightsPerToken + f.attentionPerToken(L1)) / (f.weightsPerToken + f.attentionPerToken(L0))).toFixed(2)}, ` +
    `bytes read ×${((weightBytes + kvReadBytes(L1)) / (weightBytes + kvReadBytes(L0))).toFixed(2)}; copying the cache each step (past → present, read + write ${(2 * kvReadBytes(L1) / 2 ** 20).toFixed(0)} MiB at ${L1}) would make it ×${((weightBytes + 3 * kvReadBytes(L1)) / (weightBytes + kvReadBytes(L0))).toFixed(2)}`;
  return { rows, buildS, loadS, growth, kvBytes };
}

async function main(): Promise<void> {
  if (args.checkpoint === undefined) {
    console.error('usage: node dist/tools/bench/decoder.js --checkpoint <DeepSeek-VL 1.3b checkpoint dir> (e.g. one made by tools/checkpoint-gen)');
    process.exit(2);
  }
  const threads = args.threads === undefined ? undefined : Number(args.threads);
  const cp = openCheckpoint(args.checkpoint);
  const c = cp.config.text;
  cp.close();
  const dims: TextDims = { d: c.hiddenSize, f: c.intermediateSize, layers: c.numLayers, vocab: c.vocabSize, kvDim: c.numKvHeads * c.headDim };
  const require = createRequire(import.meta.url);
  const ortVersion = (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} free), node ${process.version}, onnxruntime-node ${ortVersion}, intra-op threads ${threads ?? 'default'}`);
  console.log(`model: ${args.checkpoint}: d ${c.hiddenSize}, ffn ${c.intermediateSize}, layers ${c.numLayers}, heads ${c.numHeads}/${c.numKvHeads}, vocab ${c.vocabSize}`);
  const f = flops(dims);
  console.log(`reference §9.4: ${(f.weightsPerToken / 1e9).toFixed(2)} GFLOP/token weights + ${(f.attentionPerToken(1) / 1e3).toFixed(1)}k·L attention`);

  const gemm = await matmulGflops(512, dims.d, dims.d, 5, threads);
  const gemv = await matmulGflops(1, dims.d, dims.f, 20, threads);
  console.log(`baseline fp32 MatMul: [512,${dims.d}]·[${dims.d},${dims.d}] ${gemm.wall.toFixed(1)} GFLOP/s (${gemm.cpu.toFixed(1)} per CPU s); ` +
    `[1,${dims.d}]·[${dims.d},${dims.f}] ${gemv.wall.toFixed(1)} GFLOP/s = ${(gemv.wall * 2).toFixed(1)} GB/s of weights read (${gemv.cpu.toFixed(1)} GFLOP per CPU s)`);

  const work = args.work ?? join(tmpdir(), 'sightline-bench-decoder');
  mkdirSync(work, { recursive: true });
  for (const dtype of args.dtypes!.split(',') as BuildDType[]) {
    const r = await benchDtype(args.checkpoint, dtype, work, dims, threads);
    const gemvNow = await matmulGflops(1, dims.d, dims.f, 20, threads);
    console.log(`\n${dtype}: build ${r.buildS ? `${r.buildS.toFixed(0)} s` : '(cached)'}, session load ${r.loadS.toFixed(1)} s, KV buffers ${(r.kvBytes / 2 ** 20).toFixed(0)} MiB`);
    console.log('| run | median wall | median CPU | FLOPs | per wall s | per CPU s | bytes read (weights + KV) |\n|---|---|---|---|---|---|---|');
    for (const row of r.rows) console.log(row);
    console.log(r.growth);
    console.log(`baseline fp32 GEMV right after: ${gemvNow.wall.toFixed(1)} GFLOP/s = ${(gemvNow.wall * 2).toFixed(1)} GB/s (${gemvNow.cpu.toFixed(1)} GFLOP per CPU s)`);
  }
}

await main();
