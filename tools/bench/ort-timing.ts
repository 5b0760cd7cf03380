// Small timing helpers shared by the benchmarks: machine description, medians, timing an ONNX
// session, and the GFLOP/s of a plain MatMul as the in-run baseline other figures are compared to.
import { cpus, tmpdir, totalmem } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { Graph } from '../../src/model-builder/onnx/graph.js';
import { saveModel } from '../../src/model-builder/onnx/writer.js';

export function machineDescription(): string {
  const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  return `${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}, onnxruntime-node ${ortVersion}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export interface SessionTiming {
  /** First run (includes lazy allocations), then the median of the rest. */
  firstMs: number;
  medianMs: number;
  runsMs: number[];
}

/** Times `runs` calls of session.run(feeds) after one warm-up; accepts a path or an open session. */
export async function timeSession(
  model: string | InferenceSession,
  feeds: Record<string, Tensor>,
  runs: number,
  opts: InferenceSession.SessionOptions = {},
): Promise<SessionTiming> {
  const session = typeof model === 'string' ? await InferenceSession.create(model, opts) : model;
  try {
    let t0 = performance.now();
    await session.run(feeds);
    const firstMs = performance.now() - t0;
    const runsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      t0 = performance.now();
      await session.run(feeds);
      runsMs.push(performance.now() - t0);
    }
    return { firstMs, medianMs: median(runsMs), runsMs };
  } finally {
    if (typeof model === 'string') await session.release();
  }
}

/** Median GFLOP/s (2·m·k·n per run) of an fp32 MatMul [m,k]·[k,n] with the weight as an initializer. */
export async function matmulGflops(m: number, k: number, n: number, runs: number, opts: InferenceSession.SessionOptions = {}): Promise<{ gflops: number; medianMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-matmul-'));
  try {
    const g = new Graph('matmul', { externalDataFile: join(dir, 'mm.onnx.data') });
    const a = g.input('a', 'float32', ['m', k]);
    const w = new Float32Array(k * n);
    for (let i = 0; i < w.length; i++) w[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    g.node('MatMul', [a, g.initializer('w', { dtype: 'float32', dims: [k, n], data: w })], { outputs: ['y'] });
    g.output('y', 'float32', ['m', n]);
    saveModel(g, join(dir, 'mm.onnx'));
    const x = new Float32Array(m * k).fill(0.01);
    const t = await timeSession(join(dir, 'mm.onnx'), { a: new Tensor('float32', x, [m, k]) }, runs, opts);
    return { gflops: (2 * m * k * n) / (t.medianMs / 1000) / 1e9, medianMs: t.medianMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
