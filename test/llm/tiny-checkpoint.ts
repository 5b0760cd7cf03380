// Tiny generated checkpoints for the text tests, cached per variant and seed under os.tmpdir().
import { existsSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore pending B1
import { generateCheckpoint } from '../../tools/checkpoint-gen/generate.js';

export type Variant = '1.3b' | '7b';

export async function tinyCheckpoint(variant: Variant, seed = 11): Promise<string> {
  const dir = join(tmpdir(), `sightline-tiny-${variant}-seed${seed}`);
  if (existsSync(dir)) return dir;
  // Generated aside and renamed into place, so an interrupted run never leaves a half checkpoint.
  const scratch = mkdtempSync(join(tmpdir(), `sightline-tiny-${variant}-partial-`));
  await generateCheckpoint({ variant, size: 'tiny', outDir: scratch, seed });
  renameSync(scratch, dir);
  return dir;
}

