// `build-model` orchestration: checkpoint folder → vision_encoder.onnx, embed_tokens.onnx,
// decoder.onnx (+ .onnx.data) and manifest.json (reference §10.5 split). Everything is written to a
// staging folder next to the output and renamed into place at the end, so an interrupted build
// never leaves a half model where the runtime would load it.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createBuildContext, type BuildContext, type BuildDType } from './build-context.js';
import { readPreprocessing, readSpecialTokens, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from './checkpoint-files.js';
import { buildVisionEncoder, IMAGE_TOKENS, visionInputSize } from './deepseek-vl/vision/vision-encoder.js';
import { buildEmbedTokens } from './deepseek-vl/text/embed-tokens.js';
import { buildDecoder } from './deepseek-vl/text/decoder.js';
import { DEEPSEEK_SYSTEM_PROMPT, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type ManifestFile } from './manifest.js';
import { Graph } from './onnx/graph.js';
import { PRODUCER_VERSION, saveModel } from './onnx/writer.js';
import type { PartName, ProgressEvent } from './progress.js';
import { DTYPE_BYTES, openCheckpoint, type Checkpoint } from './safetensors.js';

export type { BuildDType, PartName, ProgressEvent };
export const ALL_PARTS: readonly PartName[] = ['vision', 'embed', 'decoder'];

interface PartSpec {
  file: string;
  build: (ctx: BuildContext) => void;
  /** Which checkpoint tensors the part reads, for byte-weighted progress. */
  owns: (tensor: string) => boolean;
}

const UNUSED = /(^|\.)attn_pool\.|^vision_model\.(high|low)_layer_norm\./;

export const PARTS: Record<PartName, PartSpec> = {
  vision: {
    file: 'vision_encoder.onnx',
    build: buildVisionEncoder,
    owns: (t) => (t.startsWith('vision_model.') || t.startsWith('aligner.')) && !UNUSED.test(t),
  },
  embed: { file: 'embed_tokens.onnx', build: buildEmbedTokens, owns: (t) => t === 'language_model.model.embed_tokens.weight' },
  decoder: {
    file: 'decoder.onnx',
    build: buildDecoder,
    owns: (t) => t.startsWith('language_model.') && t !== 'language_model.model.embed_tokens.weight',
  },
};

export interface BuildOptions {
  checkpointDir: string;
  outDir: string;
  dtype: BuildDType;
  parts?: PartName[];
  onProgress?: (e: ProgressEvent) => void;
}

export interface BuildSummary {
  outDir: string;
  dtype: BuildDType;
  files: Array<{ file: string; bytes: number }>;
  totalBytes: number;
  seconds: number;
  /** Peak resident set size of this process so far (process.resourceUsage().maxRSS). */
  peakRssBytes: number;
}

export interface PartResult {
  part: PartName;
  entry: ManifestFile;
  seconds: number;
}

/**
 * Builds one part into `dir` (no staging, no manifest): the hook tests and precision comparisons
 * use to build e.g. the decoder at fp32 and int4 side by side.
 */
export function buildPart(checkpoint: Checkpoint, part: PartName, dtype: BuildDType, dir: string, onTensor?: (name: string) => void): PartResult {
  const spec = PARTS[part];
  const started = performance.now();
  const dataFile = `${spec.file}.data`;
  const graph = new Graph(spec.file.replace(/\.onnx$/, ''), { externalDataFile: join(dir, dataFile) });
  spec.build(createBuildContext({ checkpoint, graph, dtype, onProgress: onTensor }));
  const { bytes } = saveModel(graph, join(dir, spec.file));
  const hasData = graph.initializers.some((t) => t.external !== undefined);
  if (!hasData) rmSync(join(dir, dataFile), { force: true });
  return {
    part,
    seconds: (performance.now() - started) / 1000,
    entry: {
      onnx: spec.file,
      data: hasData ? dataFile : null,
      bytes,
      inputs: graph.inputs.map((v) => ({ name: v.name, type: v.type, shape: v.shape })),
      outputs: graph.outputs.map((v) => ({ name: v.name, type: v.type, shape: v.shape })),
    },
  };
}

/** Removes staging and moved-aside folders left by builds that were killed (their process is gone). */
function removeStaleStaging(outDir: string): void {
  const parent = dirname(outDir);
  if (!existsSync(parent)) return;
  const prefixes = [`.${basename(outDir)}.partial-`, `.${basename(outDir)}.old-`];
  for (const name of readdirSync(parent)) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (prefix === undefined) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function buildModel(opts: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const parts = opts.parts ?? [...ALL_PARTS];
  const outDir = resolve(opts.outDir);
  const checkpoint = openCheckpoint(resolve(opts.checkpointDir));
  try {
    const config = checkpoint.config;
    // Read the small files first so a missing tokenizer fails before minutes of weight conversion.
    const tokens = readSpecialTokens(checkpoint.dir);
    const preprocessing = readPreprocessing(checkpoint.dir, visionInputSize(config));

    const owner = (t: string): PartName | undefined => parts.find((p) => PARTS[p].owns(t));
    const sizes = new Map(checkpoint.names().map((n) => [n, tensorBytes(checkpoint, n)]));
    const totalBytes = [...sizes].reduce((a, [n, b]) => a + (owner(n) !== undefined ? b : 0), 0);
    opts.onProgress?.({ kind: 'start', parts, totalBytes });

    mkdirSync(dirname(outDir), { recursive: true });
    removeStaleStaging(outDir);
    const staging = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}-${Date.now()}`);
    mkdirSync(staging);
    try {
      const files: Manifest['files'] = {};
      let doneBytes = 0;
      for (const part of parts) {
        opts.onProgress?.({ kind: 'part-start', part, file: PARTS[part].file });
        const counted = new Set<string>();
        const result = buildPart(checkpoint, part, opts.dtype, staging, (name) => {
          if (counted.has(name) || !sizes.has(name)) return;
          counted.add(name);
          doneBytes += sizes.get(name)!;
          opts.onProgress?.({ kind: 'tensor', part, name, doneBytes, totalBytes });
        });
        files[part] = result.entry;
        opts.onProgress?.({ kind: 'part-done', part, file: result.entry.onnx, bytes: result.entry.bytes, seconds: result.seconds });
        // Let pending I/O callbacks and signals run between multi-GB parts.
        await new Promise((r) => setImmediate(r));
      }
      opts.onProgress?.({ kind: 'finishing' });
      copyFileSync(join(checkpoint.dir, TOKENIZER_FILE), join(staging, TOKENIZER_FILE));
      const hasTokCfg = existsSync(join(checkpoint.dir, TOKENIZER_CONFIG_FILE));
      if (hasTokCfg) copyFileSync(join(checkpoint.dir, TOKENIZER_CONFIG_FILE), join(staging, TOKENIZER_CONFIG_FILE));

      const t = config.text;
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        formatVersion: MANIFEST_VERSION,
        builderVersion: PRODUCER_VERSION,
        model: { family: 'deepseek-vl', variant: config.variant, source: checkpoint.dir },
        dtype: opts.dtype,
        files,
        dims: {
          hiddenSize: t.hiddenSize,
          intermediateSize: t.intermediateSize,
          numLayers: t.numLayers,
          numHeads: t.numHeads,
          numKvHeads: t.numKvHeads,
          headDim: t.headDim,
          vocabSize: t.vocabSize,
          maxPositionEmbeddings: t.maxPositionEmbeddings,
          ropeTheta: t.ropeTheta,
          rmsNormEps: t.rmsNormEps,
          imageTokens: IMAGE_TOKENS,
          imageFeatureDim: config.aligner.nEmbed,
        },
        preprocessing: { ...preprocessing, resample: 'bicubic', normalizedInModel: true },
        tokens: { ...tokens, imageTokensPerImage: IMAGE_TOKENS },
        chat: {
          sftFormat: 'deepseek',
          systemPrompt: DEEPSEEK_SYSTEM_PROMPT,
          roles: ['User', 'Assistant'],
          sep: '\n\n',
          sep2: '<｜end▁of▁sentence｜>',
          imageTag: '<image_placeholder>',
          stopStrings: ['User:'],
        },
        tokenizer: { file: TOKENIZER_FILE, configFile: hasTokCfg ? TOKENIZER_CONFIG_FILE : null },
      };
      writeFileSync(join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
      swapIntoPlace(staging, outDir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    const listed = readdirSync(outDir).sort();
    const fileSizes = listed.map((file) => ({ file, bytes: statSync(join(outDir, file)).size }));
    return {
      outDir,
      dtype: opts.dtype,
      files: fileSizes,
      totalBytes: fileSizes.reduce((a, f) => a + f.bytes, 0),
      seconds: (performance.now() - started) / 1000,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    checkpoint.close();
  }
}

/** Replaces `outDir` with `staging`; an existing model is moved aside first and removed after. */
function swapIntoPlace(staging: string, outDir: string): void {
  if (!existsSync(outDir)) {
    renameSync(staging, outDir);
    return;
  }
  const old = join(dirname(outDir), `.${basename(outDir)}.old-${process.pid}-${Date.now()}`);
  renameSync(outDir, old);
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
}

function tensorBytes(c: Checkpoint, name: string): number {
  const i = c.info(name);
  return i.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[i.dtype];
}
