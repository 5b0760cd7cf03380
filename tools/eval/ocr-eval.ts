// OCR accuracy on real documents: renders every .html page of the given folders in Chromium at each
// device scale, reads it with sightline's OcrEngine, and scores line detection, character error
// rate and grounding against the DOM's ground truth (docs/ocr-accuracy.md explains each figure).
//
//   node dist/tools/eval/ocr-eval.js --pages /usr/share/doc/git-doc [--pages DIR] [--scales 1,2] [--limit N]
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { OcrEngine } from '../../src/ocr/ocr-engine.js';
import { accuracyTable, evaluate, type EvalResult } from './evaluate.js';
import { findTextGrounder } from './grounder.js';
import { missReport } from './page-score.js';
import { listPages } from './page-set.js';
import { PageRenderer } from './render-page.js';
import { sightlineReader } from './sightline-reader.js';

const TARGETS: Record<number, number> = { 1: 0.97, 2: 0.99 };

const Args = z.object({
  pages: z.array(z.string().min(1)).min(1, 'pass at least one --pages <folder of .html files>'),
  scales: z
    .string()
    .transform((s) => s.split(',').map(Number))
    .pipe(z.array(z.number().positive().max(4)).min(1)),
  limit: z.coerce.number().int().positive().optional(),
  width: z.coerce.number().int().min(200).max(4000),
  height: z.coerce.number().int().min(200).max(4000),
});
export type EvalArgs = z.infer<typeof Args>;

function parseEvalArgs(argv: string[]): EvalArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      pages: { type: 'string', multiple: true },
      scales: { type: 'string', default: '1,2' },
      limit: { type: 'string' },
      width: { type: 'string', default: '1280' },
      height: { type: 'string', default: '800' },
    },
    strict: true,
  });
  const parsed = Args.safeParse({ ...values, pages: values.pages ?? [] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`ocr-eval: --${issue.path.join('.') || 'args'}: ${issue.message}`);
  }
  return parsed.data;
}

function printMisses(results: EvalResult[]): void {
  for (const r of results) {
    const report = missReport(r.score.misses);
    if (report.length === 0) continue;
    console.log(`\n${r.reader} at ${r.scale}x: ${r.score.misses.length} grounding misses`);
    for (const kind of report) {
      const ex = kind.examples.map((m) => `"${m.query}"${m.read !== undefined ? ` (read: "${m.read.slice(0, 60)}")` : ''} [${m.page}]`);
      console.log(`  ${kind.kind}: ${kind.count} — e.g. ${ex.join('; ')}`);
    }
  }
}

async function main(): Promise<void> {
  const args = parseEvalArgs(process.argv.slice(2));
  const pages = await listPages(args.pages, args.limit);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, node ${process.version}`);
  console.log(`pages: ${pages.length} from ${args.pages.join(', ')}; viewport ${args.width}x${args.height} CSS px; scales ${args.scales.join(', ')}`);
  const renderer = await PageRenderer.launch();
  const engine = await OcrEngine.create();
  try {
    const started = performance.now();
    const results = await evaluate(renderer, {
      pages,
      scales: args.scales,
      width: args.width,
      height: args.height,
      readers: [sightlineReader(engine)],
      ground: findTextGrounder,
      onPage: (done, total, page, scale) => process.stderr.write(`\r[${done}/${total}] ${scale}x ${page.padEnd(40).slice(0, 40)}`),
    });
    process.stderr.write('\n');
    console.log(`\n${accuracyTable(results)}\n`);
    for (const r of results) {
      const target = TARGETS[r.scale];
      if (target === undefined) continue;
      const met = r.summary.grounding >= target;
      console.log(`grounding at ${r.scale}x: ${(r.summary.grounding * 100).toFixed(2)}% (target ≥ ${target * 100}%): ${met ? 'met' : 'MISSED'}`);
    }
    printMisses(results);
    console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await engine.close();
    await renderer.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
}
