// `node dist/tools/checkpoint-gen/cli.js --variant 7b --size full --out DIR [--seed N] [--dtype bf16|fp16|f32]`
import { choiceFlag, intFlag, parseFlags } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { isSightlineError } from '../../src/errors.js';
import { generateCheckpoint, type GenDType, type Size, type Variant } from './generate.js';

const USAGE = 'usage: checkpoint-gen --variant 1.3b|7b --size tiny|full --out DIR [--seed N] [--dtype bf16|fp16|f32]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    'checkpoint-gen',
    argv,
    { variant: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, dtype: { type: 'string' } },
    { helpCommand: 'checkpoint-gen --help' },
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.variant === undefined || values.size === undefined || values.out === undefined) throw new UsageError(`--variant, --size and --out are required; ${USAGE}`);
  const variant = choiceFlag<Variant>('variant', values.variant, '1.3b', ['1.3b', '7b']);
  const size = choiceFlag<Size>('size', values.size, 'tiny', ['tiny', 'full']);
  const dtype = choiceFlag<GenDType>('dtype', values.dtype, 'bf16', ['bf16', 'fp16', 'f32']);
  const started = Date.now();
  await generateCheckpoint({
    variant,
    size,
    outDir: values.out,
    seed: intFlag('seed', values.seed, 0, 0, 2 ** 32 - 1),
    dtype,
    onFile: (f) => console.log(`wrote ${f}`),
  });
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (!isSightlineError(err)) throw err;
  console.error(`checkpoint-gen: ${err.sentence}`);
  process.exitCode = 2;
}
