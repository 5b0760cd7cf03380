// `sightline build-model <checkpoint dir> [--out DIR] [--dtype fp32|fp16|int4] [--parts ...]`.
// Parses argv with the CLI's one flag parser and builds. A user's mistake (a bad flag, a bad
// checkpoint, a full disk) is thrown as a SightlineError, which src/cli.ts prints as one sentence
// with exit 2; anything else is a bug. Resolves to the exit code otherwise.
import { basename, resolve } from 'node:path';
import { SightlineError } from '../errors.js';
import { parseFlags } from '../cli/args.js';
import { UsageError } from '../cli/usage-error.js';
import { ALL_PARTS, buildModel, type BuildSummary } from './build.js';
import { BUILD_DTYPES, type BuildDType } from './build-context.js';
import { CheckpointError } from './deepseek-vl/config.js';
import { formatBytes, formatSeconds, progressRenderer, type PartName, type ProgressSink } from './progress.js';

export const BUILD_MODEL_USAGE = `usage: sightline build-model <checkpoint dir> [options]

Turns an unmodified Hugging Face DeepSeek-VL checkpoint (config.json, model.safetensors or
shards + model.safetensors.index.json, tokenizer.json, preprocessor_config.json) into ONNX
files for onnxruntime: vision_encoder.onnx, embed_tokens.onnx, decoder.onnx and manifest.json.

options:
  --out DIR       output folder (default: models/<checkpoint folder name>)
  --dtype TYPE    weight storage: fp32 | fp16 | int4 (default fp16)
                    fp32  exact weights
                    fp16  half-size weights, computed in float32
                    int4  4-bit block-32 linear layers (MatMulNBits), other weights fp16
  --parts LIST    comma-separated subset of vision,embed,decoder (default: all)
  -h, --help      show this help

The model is written to a temporary folder next to --out and renamed into place at the end,
so an interrupted build never leaves a half-written model.`;

export interface CommandIo {
  stdout: ProgressSink;
}

const defaultIo = (): CommandIo => ({
  stdout: { write: (t) => process.stdout.write(t), isTTY: process.stdout.isTTY === true, columns: process.stdout.columns },
});

interface ParsedArgs {
  checkpointDir: string;
  outDir: string;
  dtype: BuildDType;
  parts: PartName[];
}

function parse(argv: string[]): ParsedArgs | 'help' {
  const { values, positionals } = parseFlags('build-model', argv, { out: { type: 'string' }, dtype: { type: 'string' }, parts: { type: 'string' } }, { positionals: true });
  if (values.help === true) return 'help';
  if (positionals.length !== 1) {
    throw new UsageError(
      `${positionals.length === 0 ? 'missing <checkpoint dir>' : `expected one checkpoint folder, got ${positionals.length}: ${positionals.join(' ')}`} (see: sightline build-model --help)`,
    );
  }
  const checkpointDir = positionals[0]!;
  const dtype = values.dtype ?? 'fp16';
  if (!BUILD_DTYPES.includes(dtype as BuildDType)) throw new UsageError(`--dtype must be one of ${BUILD_DTYPES.join(', ')}, got "${dtype}"`);
  const parts = (values.parts ?? ALL_PARTS.join(','))
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of parts) if (!ALL_PARTS.includes(p as PartName)) throw new UsageError(`--parts: unknown part "${p}"; known parts: ${ALL_PARTS.join(', ')}`);
  if (parts.length === 0) throw new UsageError('--parts is empty');
  const outDir = values.out ?? resolve('models', basename(resolve(checkpointDir)));
  return { checkpointDir, outDir, dtype: dtype as BuildDType, parts: [...new Set(parts)] as PartName[] };
}

function printSummary(out: ProgressSink, s: BuildSummary): void {
  out.write(`built ${s.outDir} (${s.dtype}) in ${formatSeconds(s.seconds)}, peak RSS ${formatBytes(s.peakRssBytes)}\n`);
  for (const f of s.files) out.write(`  ${f.file.padEnd(28)} ${formatBytes(f.bytes).padStart(10)}\n`);
  out.write(`  ${'total'.padEnd(28)} ${formatBytes(s.totalBytes).padStart(10)}\n`);
}

/** Runs the command; resolves to 0, or throws a SightlineError for a user's mistake. */
export async function buildModelCommand(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  const args = parse(argv);
  if (args === 'help') {
    io.stdout.write(`${BUILD_MODEL_USAGE}\n`);
    return 0;
  }
  try {
    const summary = await buildModel({ ...args, onProgress: progressRenderer(io.stdout) });
    printSummary(io.stdout, summary);
    return 0;
  } catch (e) {
    throw asUserError(e);
  }
}

/** User mistakes (bad checkpoint, full disk, missing permissions) become SightlineErrors; bugs pass through. */
function asUserError(e: unknown): unknown {
  if (e instanceof CheckpointError) return new SightlineError('ERR_BAD_CHECKPOINT', e.message, { cause: e });
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new SightlineError('ERR_BUILD_IO', (e as Error).message, { cause: e });
  return e;
}
