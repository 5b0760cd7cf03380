// `node dist/tools/checkpoint-gen/cli.js --variant 7b --size full --out DIR [--seed N] [--dtype bf16|fp16|f32]`
import { parseArgs } from 'node:util';
import { generateCheckpoint, type GenDType, type Size, type Variant } from './generate.js';

const USAGE = 'usage: checkpoint-gen --variant 1.3b|7b --size tiny|full --out DIR [--seed N] [--dtype bf16|fp16|f32]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { variant: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, dtype: { type: 'string' } } }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { variant, size, out, seed, dtype = 'bf16' } = values;
  if ((variant !== '1.3b' && variant !== '7b') || (size !== 'tiny' && size !== 'full') || out === undefined || !['bf16', 'fp16', 'f32'].includes(dtype)) {
    console.error(USAGE);
    return 2;
  }
  const started = Date.now();
  await generateCheckpoint({
    variant: variant as Variant,
    size: size as Size,
    outDir: out,
    seed: seed === undefined ? 0 : Number(seed),
    dtype: dtype as GenDType,
    onFile: (f) => console.log(`wrote ${f}`),
  });
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = await main();
