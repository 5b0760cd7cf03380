// build-model benchmark on full-size random checkpoints (timing does not depend on weight values,
// DESIGN.md "Models"): wall time and peak RSS of `build-model` per variant and dtype, each build in
// a child process measured by /usr/bin/time, next to two baselines measured in the same run: reading
// the checkpoint's bytes once (the floor for any converter) and the GFLOP/s of a plain MatMul.
//
//   node dist/tools/bench/model-builder.js [--variants 1.3b,7b] [--dtypes fp16,int4] [--work DIR]
//
// Checkpoints are generated once under os.tmpdir()/sightline-checkpoints (7B ≈ 15 GB) and reused.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cachedCheckpoint, type Variant } from '../checkpoint-gen/generate.js';
import { BUILD_DTYPES, type BuildDType } from '../../src/model-builder/build-context.js';
import { formatBytes } from '../../src/model-builder/progress.js';
import { machineDescription, matmulGflops } from './ort-timing.js';

const { values: args } = parseArgs({
  options: {
    variants: { type: 'string', default: '1.3b,7b' },
    dtypes: { type: 'string', default: 'fp16,int4' },
    work: { type: 'string', default: join(tmpdir(), 'sightline-bench-model-builder') },
  },
});

const variants = args.variants.split(',') as Variant[];
const dtypes = args.dtypes.split(',') as BuildDType[];
for (const d of dtypes) if (!BUILD_DTYPES.includes(d)) throw new Error(`--dtypes: unknown dtype ${d}`);

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0);
}

/** Seconds to read every weight file once in 64 MiB chunks: what any converter must at least do. */
function readBaseline(dir: string): { seconds: number; bytes: number } {
  const buf = Buffer.allocUnsafe(64 << 20);
  const t0 = performance.now();
  let bytes = 0;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.safetensors'))) {
    const fd = openSync(join(dir, f), 'r');
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n;
    closeSync(fd);
  }
  return { seconds: (performance.now() - t0) / 1000, bytes };
}

interface BuildRun {
  variant: Variant;
  dtype: BuildDType;
  seconds: number;
  peakRssBytes: number;
  outBytes: number;
  ok: boolean;
  note: string;
  /** Build time over the time to read the checkpoint once. */
  ratio: number;
}

function runBuild(ckpt: string, variant: Variant, dtype: BuildDType): BuildRun {
  const out = join(args.work, `${variant}-${dtype}`);
  rmSync(out, { recursive: true, force: true });
  const main = fileURLToPath(new URL('../../src/model-builder/main.js', import.meta.url));
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, main, ckpt, '--out', out, '--dtype', dtype], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? 0);
  const ok = r.status === 0;
  const outBytes = ok ? dirBytes(out) : 0;
  rmSync(out, { recursive: true, force: true });
  const note = ok ? '' : (r.stderr.split('\n').find((l) => l.startsWith('build-model:')) ?? `exit ${r.status}`);
  return { variant, dtype, seconds, peakRssBytes: rssKb * 1024, outBytes, ok, note, ratio: 0 };
}

async function main(): Promise<void> {
  mkdirSync(args.work, { recursive: true });
  console.log(`machine: ${machineDescription()}`);
  const gemv = await matmulGflops(1, 4096, 4096, 20);
  const gemm = await matmulGflops(512, 4096, 4096, 5);
  console.log(`MatMul fp32 [1x4096]·[4096x4096]: ${gemv.medianMs.toFixed(2)} ms, ${gemv.gflops.toFixed(1)} GFLOP/s`);
  console.log(`MatMul fp32 [512x4096]·[4096x4096]: ${gemm.medianMs.toFixed(1)} ms, ${gemm.gflops.toFixed(1)} GFLOP/s`);

  const runs: BuildRun[] = [];
  for (const variant of variants) {
    const t0 = performance.now();
    const existed = existsSync(join(tmpdir(), 'sightline-checkpoints', `deepseek-vl-${variant}-full-bf16-seed0-v1`, 'config.json'));
    const ckpt = await cachedCheckpoint(variant, 'full');
    const genNote = existed ? 'reused' : `generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    const base = readBaseline(ckpt);
    console.log(
      `${variant}: checkpoint ${formatBytes(base.bytes)} (${genNote}); read baseline ${base.seconds.toFixed(1)} s = ${(base.bytes / 1e6 / base.seconds).toFixed(0)} MB/s`,
    );
    for (const dtype of dtypes) {
      const r = runBuild(ckpt, variant, dtype);
      r.ratio = r.seconds / base.seconds;
      runs.push(r);
      console.log(
        `${variant} ${dtype}: ${r.ok ? 'ok' : 'FAILED'} ${r.seconds.toFixed(1)} s (${r.ratio.toFixed(1)}x read baseline), peak RSS ${formatBytes(r.peakRssBytes)}, output ${formatBytes(r.outBytes)} ${r.note}`,
      );
    }
  }
  console.log('\n| variant | dtype | build time | × read baseline | peak RSS | output |');
  console.log('|---|---|---|---|---|---|');
  for (const r of runs) console.log(`| ${r.variant} | ${r.dtype} | ${r.seconds.toFixed(0)} s | ${r.ratio.toFixed(1)}x | ${formatBytes(r.peakRssBytes)} | ${formatBytes(r.outBytes)} |`);
}

await main();
