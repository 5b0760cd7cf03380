// The checkpoint generator: real-size layouts match the parameter counts of reference §8.3, output
// is deterministic by seed, and tokenizer.json is a working byte-level BPE with the DeepSeek ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCheckpoint } from '../../tools/checkpoint-gen/generate.js';
import { tensorSpecs } from '../../tools/checkpoint-gen/layout.js';
import { bytesToUnicode, SPLIT_PATTERNS } from '../../tools/checkpoint-gen/tokenizer.js';
import { openCheckpoint } from '../../src/model-builder/safetensors.js';

const params = (specs: ReturnType<typeof tensorSpecs>, prefix = ''): number =>
  specs.filter((s) => s.name.startsWith(prefix)).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);

test('full-size layouts have the parameter counts of reference §8.3', () => {
  const big = tensorSpecs('7b', 'full');
  // 7343.6M total; SAM ≈ 96.2M with 186 tensors; LLM 6910.1M.
  assert.ok(Math.abs(params(big) / 1e6 - 7343.6) < 2, `7B total ${params(big) / 1e6}M`);
  assert.ok(Math.abs(params(big, 'language_model.') / 1e6 - 6910.1) < 0.5);
  assert.equal(big.filter((s) => s.name.startsWith('vision_model.vision_tower_high.')).length, 186);
  assert.ok(Math.abs(params(big, 'vision_model.vision_tower_high.') / 1e6 - 96.2) < 0.5);
  const small = tensorSpecs('1.3b', 'full');
  assert.ok(Math.abs(params(small) / 1e6 - 1975) < 3, `1.3B total ${params(small) / 1e6}M`);
  assert.equal(new Set(big.map((s) => s.name)).size, big.length, 'tensor names are unique');
});

test('the same seed writes identical weights and another seed different ones', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gen-test-'));
  try {
    for (const [name, seed] of [['a', 7], ['b', 7], ['c', 8]] as const) await generateCheckpoint({ variant: '1.3b', size: 'tiny', outDir: join(root, name), seed });
    const read = (n: string) => readFileSync(join(root, n, 'model.safetensors'));
    assert.ok(read('a').equals(read('b')));
    assert.ok(!read('a').equals(read('c')));
    const ckpt = openCheckpoint(join(root, 'a'));
    const norm = ckpt.readFloat32('language_model.model.norm.weight');
    const mean = norm.reduce((s, v) => s + v, 0) / norm.length;
    assert.ok(Math.abs(mean - 1) < 0.05, `norm weights centre on 1 (mean ${mean})`);
    const w = ckpt.readFloat32('language_model.model.layers.0.mlp.down_proj.weight');
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    assert.ok(Math.abs(std - 1 / Math.sqrt(128)) < 0.01, `linear weights have std 1/sqrt(fan_in) (got ${std})`);
    ckpt.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

interface TokenizerFile {
  added_tokens: Array<{ id: number; content: string; special: boolean }>;
  model: { type: string; vocab: Record<string, number>; merges: string[] };
  pre_tokenizer: { pretokenizers: Array<{ type: string }> };
  decoder: { type: string };
}

/** A plain BPE encoder (lowest-rank merge first), independent of the generator's trainer. */
function encode(tok: TokenizerFile, text: string): number[] {
  const byteChar = bytesToUnicode();
  const rank = new Map(tok.model.merges.map((m, i) => [m, i]));
  const ids: number[] = [];
  for (const m of text.matchAll(new RegExp(SPLIT_PATTERNS.join('|') + '|\\s+', 'gu'))) {
    let parts = Array.from(Buffer.from(m[0], 'utf8'), (b) => byteChar[b]!);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = rank.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) break;
      parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
    }
    for (const p of parts) ids.push(tok.model.vocab[p]!);
  }
  return ids;
}

function decode(tok: TokenizerFile, ids: number[]): string {
  const byId = new Map(Object.entries(tok.model.vocab).map(([k, v]) => [v, k]));
  const charByte = new Map(bytesToUnicode().map((c, b) => [c, b]));
  const chars = ids.map((id) => byId.get(id)!).join('');
  return Buffer.from(Array.from(chars, (c) => charByte.get(c)!)).toString('utf8');
}

test('tokenizer.json is a byte-level BPE that round-trips text and carries the DeepSeek special tokens', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gen-tok-'));
  try {
    await generateCheckpoint({ variant: '7b', size: 'tiny', outDir: root });
    const tok = JSON.parse(readFileSync(join(root, 'tokenizer.json'), 'utf8')) as TokenizerFile;
    assert.equal(tok.model.type, 'BPE');
    assert.equal(tok.pre_tokenizer.pretokenizers.at(-1)!.type, 'ByteLevel');
    assert.equal(tok.decoder.type, 'ByteLevel');
    assert.equal(Object.keys(tok.model.vocab).length, 100000);
    const byContent = new Map(tok.added_tokens.map((t) => [t.content, t]));
    assert.equal(byContent.get('<｜begin▁of▁sentence｜>')?.id, 100000);
    assert.equal(byContent.get('<｜end▁of▁sentence｜>')?.id, 100001);
    assert.equal(byContent.get('<image_placeholder>')?.id, 100015);
    assert.equal(byContent.get('<image_placeholder>')?.special, true);
    assert.equal(tok.added_tokens.length, 16);
    for (const m of tok.model.merges) {
      const [a, b] = m.split(' ') as [string, string];
      assert.ok(tok.model.vocab[a] !== undefined && tok.model.vocab[b] !== undefined && tok.model.vocab[a + b] !== undefined, `merge "${m}" is closed over the vocab`);
    }
    const text = 'User: Where is the Save button?\n\nAssistant: Click Söve – 3 times. 日本';
    const ids = encode(tok, text);
    assert.ok(ids.every((i) => Number.isInteger(i)), 'every piece is in the vocabulary');
    assert.ok(ids.length < Buffer.byteLength(text) * 0.6, `merges compress common words (${ids.length} ids)`);
    assert.equal(decode(tok, ids), text);
    const cfg = JSON.parse(readFileSync(join(root, 'tokenizer_config.json'), 'utf8')) as { add_bos_token: boolean };
    assert.equal(cfg.add_bos_token, true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
