// Vision encoder benchmark (CPU): one vision_encoder.onnx run per variant (median of a few), built
// from full-size generated checkpoints, next to its FLOP count (reference §9) and the GFLOP/s of a
// large plain MatMul measured in the same process with the same threads.
//
//   node dist/tools/bench/vision-encoder.js [--variants 1.3b,7b] [--dtype fp32] [--runs 3]
//        [--threads N] [--work DIR]
//
// Checkpoints: an already generated full checkpoint in the shared cache is used when present;
// otherwise only the vision and aligner tensors are generated (same names, same per-tensor seeds,
// hence the same values as in a full checkpoint), which is enough to build the vision part.
import { availableParallelism, freemem, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { BUILD_DTYPES, type BuildDType } from '../../src/model-builder/build-context.js';
import { buildPart } from '../../src/model-builder/build.js';
import { openCheckpoint } from '../../src/model-builder/safetensors.js';
import type { DeepseekVlConfig } from '../../src/model-builder/deepseek-vl/config.js';
import { visionInputSize } from '../../src/model-builder/deepseek-vl/vision/vision-encoder.js';
import { machineDescription, matmulGflops, median } from './ort-timing.js';
import { configJson, tensorSpecs, type Variant } from '../checkpoint-gen/layout.js';
import { writeSafetensors } from '../checkpoint-gen/safetensors-writer.js';
import { GENERATOR_VERSION } from '../checkpoint-gen/generate.js';

const { values: args } = parseArgs({
  options: {
    variants: { type: 'string', default: '1.3b,7b' },
    dtype: { type: 'string', default: 'fp32' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string' },
    work: { type: 'string' },
  },
});

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** FLOPs of one image through the vision encoder (reference §9; 2 per multiply-add). */
function visionFlops(c: DeepseekVlConfig): { sam: number; siglip: number; aligner: number; total: number } {
  const s = c.siglip;
  const n = (s.imageSize / s.patchSize) ** 2;
  const d = s.width;
  const hidden = s.mlpRatio * d;
  const siglipBlock = 2 * n * d * 3 * d + 4 * n * n * d + 2 * n * d * d + 4 * n * d * hidden;
  const siglip = s.layers * siglipBlock + 2 * n * d * 3 * s.patchSize ** 2;
  let sam = 0;
  if (c.sam) {
    const m = c.sam;
    const g = m.imageSize / m.patchSize;
    const t = g * g;
    const w = m.width;
    const win = m.windowSize;
    const tp = Math.ceil(g / win) ** 2 * win * win; // padded tokens: 70² for 64² (§2)
    const mlp = 16 * t * w * w;
    const windowed = 2 * tp * w * 3 * w + 2 * tp * w * w + 4 * tp * win * win * w + 4 * tp * win * w + mlp;
    const global = 2 * t * w * 3 * w + 2 * t * w * w + 4 * t * t * w + 4 * t * g * w + mlp;
    const nGlobal = m.globalAttnIndexes.length;
    const nc = m.neckChannels;
    const [c1, c2] = m.downsampleChannels;
    const neck = 2 * t * w * nc + 2 * t * nc * nc * 9;
    const down = 2 * 48 * 48 * c1 * nc * 9 + 2 * 24 * 24 * c2 * c1 * 9;
    sam = 2 * t * w * 3 * m.patchSize ** 2 + (m.depth - nGlobal) * windowed + nGlobal * global + 2 * neck + 2 * down;
  }
  const a = c.aligner;
  const tokens = 576;
  const aligner = a.type === 'mlp_gelu'
    ? 2 * tokens * a.inputDim * a.nEmbed + (a.depth - 1) * 2 * tokens * a.nEmbed ** 2
    : 2 * 2 * tokens * a.inputDim * (a.nEmbed / 2) + (a.depth - 1) * 2 * tokens * a.nEmbed ** 2;
  return { sam, siglip, aligner, total: sam + siglip + aligner };
}

/** A full-size checkpoint holding at least the vision + aligner tensors (see header). */
async function fullVisionCheckpoint(variant: Variant): Promise<string> {
  const root = join(tmpdir(), 'sightline-checkpoints');
  const full = join(root, `deepseek-vl-${variant}-full-bf16-seed0-v${GENERATOR_VERSION}`);
  if (existsSync(join(full, 'config.json'))) return full;
  const dir = join(root, `deepseek-vl-${variant}-full-vision-only-bf16-seed0-v${GENERATOR_VERSION}`);
  if (existsSync(join(dir, 'config.json'))) return dir;
  const staging = `${dir}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const specs = tensorSpecs(variant, 'full').filter((s) => s.name.startsWith('vision_model.') || s.name.startsWith('aligner.'));
  const t0 = performance.now();
  writeSafetensors(join(staging, 'model.safetensors'), specs, 'bf16', 0);
  writeFileSync(join(staging, 'config.json'), JSON.stringify(configJson(variant, 'full', 'bfloat16'), null, 2));
  renameSync(staging, dir);
  console.log(`  generated ${variant} vision-only checkpoint (${specs.length} tensors) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/** vision_encoder.onnx via the build command's own per-part hook. */
function buildEncoder(checkpointDir: string, dtype: BuildDType, outDir: string): { file: string; seconds: number } {
  const checkpoint = openCheckpoint(checkpointDir);
  try {
    const result = buildPart(checkpoint, 'vision', dtype, outDir);
    return { file: join(outDir, result.entry.onnx), seconds: result.seconds };
  } finally {
    checkpoint.close();
  }
}

async function main(): Promise<void> {
  const dtype = args.dtype as BuildDType;
  if (!BUILD_DTYPES.includes(dtype)) throw new Error(`--dtype must be one of ${BUILD_DTYPES.join(', ')}, got ${args.dtype}`);
  const variants = args.variants!.split(',') as Variant[];
  const runs = Number(args.runs);
  const threads = args.threads ? Number(args.threads) : availableParallelism();
  const work = args.work ?? mkdtempSync(join(tmpdir(), 'sightline-bench-vision-'));
  const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  console.log(`machine: ${machineDescription()}, ${(freemem() / 2 ** 30).toFixed(0)} GiB free`);
  console.log(`CPU EP, ${threads} intra-op threads, dtype ${dtype}, ${runs} timed runs after 1 warm-up`);
  console.log('baseline: fp32 MatMul [2048,1024]·[1024,4096] (median of 3), timed right before each encoder run (the machine may be shared)');

  const rows: string[] = [];
  for (const variant of variants) {
    const checkpointDir = await fullVisionCheckpoint(variant);
    const opened = openCheckpoint(checkpointDir);
    const config = opened.config;
    opened.close();
    const out = join(work, `${variant}-${dtype}`);
    mkdirSync(out, { recursive: true });
    const built = buildEncoder(checkpointDir, dtype, out);
    const size = visionInputSize(config);
    const t0 = performance.now();
    const session = await InferenceSession.create(built.file, sessionOptions);
    const loadS = (performance.now() - t0) / 1000;
    const pixels = new Float32Array(3 * size * size);
    for (let i = 0; i < pixels.length; i++) pixels[i] = ((i * 2654435761) % 1000) / 1000;
    const feed = { pixel_values: new Tensor('float32', pixels, [1, 3, size, size]) };
    const warm = await timeMs(() => session.run(feed));
    const times: number[] = [];
    const mms: number[] = [];
    for (let i = 0; i < runs; i++) {
      mms.push((await matmulGflops(2048, 1024, 4096, 3, sessionOptions)).gflops);
      times.push(await timeMs(() => session.run(feed)));
    }
    await session.release();
    const f = visionFlops(config);
    const med = median(times);
    const mm = median(mms);
    const gflops = f.total / 1e9 / (med / 1000);
    console.log(`${variant}: build ${built.seconds.toFixed(1)} s, session ${loadS.toFixed(1)} s, warm-up ${(warm / 1000).toFixed(2)} s, ` +
      `runs ${times.map((t) => (t / 1000).toFixed(2)).join(' ')} s → median ${(med / 1000).toFixed(2)} s`);
    console.log(`  FLOPs: SAM ${(f.sam / 1e9).toFixed(1)} G + SigLIP ${(f.siglip / 1e9).toFixed(1)} G + aligner ${(f.aligner / 1e9).toFixed(1)} G = ${(f.total / 1e9).toFixed(1)} G` +
      ` → ${gflops.toFixed(1)} GFLOP/s; MatMul baseline ${mms.map((x) => x.toFixed(1)).join(' ')} → median ${mm.toFixed(1)} GFLOP/s; ratio ${(gflops / mm).toFixed(2)}`);
    rows.push(`| ${variant} | ${dtype} | ${(f.total / 1e9).toFixed(0)} | ${(med / 1000).toFixed(2)} | ${gflops.toFixed(1)} | ${mm.toFixed(1)} | ${(gflops / mm).toFixed(2)} |`);
  }
  console.log('\n| variant | dtype | GFLOPs/image | median s | GFLOP/s | MatMul GFLOP/s | ratio |\n|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  if (!args.work) rmSync(work, { recursive: true, force: true });
}

await main();
