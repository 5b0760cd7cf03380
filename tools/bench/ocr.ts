// OCR benchmark: sightline's OcrEngine against the peer @gutenye/ocr-node (same PP-OCRv4 model
// files), in one run on the same images. Prints the machine, medians and ratios.
//
//   npm run build && node dist/tools/bench/ocr.js [--runs 3] [--pages-limit 2] [--sections speed,accuracy,incremental,ws]
//
// 1. full-frame read time on test/fixtures/screens/*.png and on rendered documentation pages;
// 2. accuracy of both on the rendered pages (same scoring, same findText);
// 3. incremental update after a typing-sized change vs a full read, 1920x1080;
// 4. pixel change → `elements` diff at a WebSocket client, 1920x1080 (tools/eval/ws-latency.ts).
import { existsSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { z } from 'zod';
import { Metrics, median } from '../../src/metrics.js';
import { OcrEngine } from '../../src/ocr/ocr-engine.js';
import { changedFrames, firstFrame, loadPng, mirrorImage, rawFrame, type RgbaImage } from '../eval/eval-frames.js';
import { accuracyTable, evaluate, type PageReader } from '../eval/evaluate.js';
import { findTextGrounder } from '../eval/grounder.js';
import { listPages, fileUrl } from '../eval/page-set.js';
import { PeerOcr } from '../eval/peer-ocr.js';
import { withEstimatedWords } from '../eval/estimated-words.js';
import { PageRenderer, type RenderedPage } from '../eval/render-page.js';
import type { UiElement } from '../../src/perception/element.js';
import { sightlineReader } from '../eval/sightline-reader.js';
import { documentLines, typedText, typingPageHtml } from '../eval/typing-page.js';
import { measureWsElementsLatency } from '../eval/ws-latency.js';

const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const SCREENS_DIR = resolve(REPO_ROOT, 'test/fixtures/screens');
const DOC_FOLDERS = ['/usr/share/doc/git-doc', '/usr/share/debian-reference'];

const Args = z.object({
  runs: z.coerce.number().int().min(1).max(20),
  pagesLimit: z.coerce.number().int().min(1).max(50),
  sections: z
    .string()
    .transform((v) => v.split(','))
    .pipe(z.array(z.enum(['speed', 'accuracy', 'incremental', 'ws'])).min(1)),
});

interface BenchImage extends RgbaImage {
  name: string;
  png: Buffer;
  scale: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      'pages-limit': { type: 'string', default: '2' },
      sections: { type: 'string', default: 'speed,accuracy,incremental,ws' },
    },
  });
  const parsed = Args.safeParse({ runs: values.runs, pagesLimit: values['pages-limit'], sections: values.sections });
  if (!parsed.success) throw new Error(`bench/ocr: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  const args = parsed.data;

  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  console.log(`runs per image: ${args.runs} timed, after one warm-up read of the mirrored image`);
  const renderer = await PageRenderer.launch();
  const peer = await PeerOcr.create();
  try {
    const pages = await listPages(DOC_FOLDERS, args.pagesLimit);
    const run = (section: string): boolean => args.sections.includes(section as never);
    if (run('speed')) {
      const images = [...(await screenImages()), ...(await pageImages(renderer, pages.slice(0, 1)))];
      await fullFrameSpeed(images, peer, args.runs);
    }
    if (run('accuracy')) await sideBySideAccuracy(renderer, peer, pages);
    if (run('incremental')) await incrementalVsFull(renderer, args.runs);
    if (run('ws')) await wsLatency(renderer, args.runs);
  } finally {
    await renderer.close();
  }
}

async function screenImages(): Promise<BenchImage[]> {
  if (!existsSync(SCREENS_DIR)) throw new Error(`bench/ocr: no screenshots at ${SCREENS_DIR} (the fixtures shipped in the repository)`);
  const names = readdirSync(SCREENS_DIR).filter((n) => n.endsWith('.png')).sort();
  return Promise.all(names.map(async (n) => ({ name: n, scale: 1, ...(await loadPng(join(SCREENS_DIR, n))) })));
}

async function pageImages(renderer: PageRenderer, pages: string[]): Promise<BenchImage[]> {
  const out: BenchImage[] = [];
  for (const scale of [1, 2]) {
    for (const path of pages) {
      const p = await renderer.render({ url: fileUrl(path), width: 1280, height: 800, deviceScaleFactor: scale });
      out.push({ name: `${basename(path)}@${scale}x`, scale, rgba: p.rgba, width: p.width, height: p.height, png: p.png });
    }
  }
  return out;
}

/** The image mirrored left-right, PNG-encoded for the peer. */
async function mirrored(img: BenchImage): Promise<BenchImage> {
  const m = mirrorImage(img);
  const png = await sharp(m.rgba, { raw: { width: img.width, height: img.height, channels: 4 } }).png().toBuffer();
  return { ...img, name: `${img.name} (mirrored)`, rgba: m.rgba, png };
}

/**
 * Wall time, and CPU time of this process (main thread, OCR worker and onnxruntime's threads; not
 * Chromium). The machine is shared, so CPU time is the figure that contention does not inflate.
 */
async function timed<T>(fn: () => Promise<T>): Promise<[number, T, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [wall, value, (c.user + c.system) / 1000];
}

/**
 * Full reads. The peer keeps one instance (it has no cache). sightline caches recognised lines by
 * their pixels, so every timed read gets a fresh engine (creation not timed) warmed by one read of
 * the mirrored image: the timed read starts with a cold cache, as a first frame does.
 */
async function fullFrameSpeed(images: BenchImage[], peer: PeerOcr, runs: number): Promise<void> {
  console.log('\n## Full-frame read, ms per frame (median)\n');
  console.log('| image | size | peer wall | sightline wall | ratio (wall) | peer CPU | sightline CPU | ratio (CPU) | sightline lines | peer lines |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (const img of images) {
    const mirror = await mirrored(img);
    const peerMs: number[] = [];
    const ourMs: number[] = [];
    const peerCpu: number[] = [];
    const ourCpu: number[] = [];
    let peerLines = 0;
    let ourLines = 0;
    for (let r = 0; r < runs; r++) {
      if (r === 0) await peer.read(mirror.png, img.width, img.height);
      const [pms, plines, pcpu] = await timed(() => peer.read(img.png, img.width, img.height));
      peerMs.push(pms);
      peerCpu.push(pcpu);
      peerLines = plines.length;
      const metrics = new Metrics();
      const engine = await OcrEngine.create({ metrics });
      try {
        await engine.readFull(rawFrame(mirror, 0, img.scale));
        const hitsBefore = metrics.counter('ocr.rec_cache_hits');
        const [ms, lines, cpu] = await timed(() => engine.readFull(rawFrame(img, 0, img.scale)));
        ourCpu.push(cpu);
        const hits = metrics.counter('ocr.rec_cache_hits') - hitsBefore;
        if (hits > 0) console.log(`  (note: ${hits} recognition cache hits in the timed read of ${img.name})`);
        ourMs.push(ms);
        ourLines = lines.length;
      } finally {
        await engine.close();
      }
    }
    const ratio = median(ourMs) / median(peerMs);
    const cpuRatio = median(ourCpu) / median(peerCpu);
    ratios.push(ratio);
    cpuRatios.push(cpuRatio);
    const f = (v: number): string => v.toFixed(0);
    console.log(
      `| ${img.name} | ${img.width}x${img.height} | ${f(median(peerMs))} | ${f(median(ourMs))} | ${ratio.toFixed(2)}x | ${f(median(peerCpu))} | ${f(median(ourCpu))} | ${cpuRatio.toFixed(2)}x | ${ourLines} | ${peerLines} |`,
    );
  }
  const overall = median(ratios);
  console.log(`\nmedian ratio sightline/peer, wall: ${overall.toFixed(2)}x (target ≤ 0.75x): ${overall <= 0.75 ? 'met' : 'MISSED'}`);
  console.log(`median ratio sightline/peer, CPU time: ${median(cpuRatios).toFixed(2)}x`);
}

async function sideBySideAccuracy(renderer: PageRenderer, peer: PeerOcr, pages: string[]): Promise<void> {
  console.log(`\n## Accuracy side by side: ${pages.length} pages, 1280x800 CSS px, scales 1 and 2\n`);
  const engine = await OcrEngine.create();
  try {
    // Both peer rows share one read per page.
    const peerReads = new WeakMap<object, Promise<UiElement[]>>();
    const peerRead = (p: RenderedPage): Promise<UiElement[]> => {
      if (!peerReads.has(p)) peerReads.set(p, peer.read(p.png, p.width, p.height));
      return peerReads.get(p)!;
    };
    const peerReader: PageReader = { name: 'peer', read: peerRead };
    const peerWords: PageReader = { name: 'peer + proportional word boxes', read: async (p) => (await peerRead(p)).map(withEstimatedWords) };
    const results = await evaluate(renderer, {
      pages,
      scales: [1, 2],
      width: 1280,
      height: 800,
      readers: [sightlineReader(engine), peerReader, peerWords],
      ground: findTextGrounder,
    });
    console.log(accuracyTable(results));
  } finally {
    await engine.close();
  }
}

/**
 * Typing: frame i has i*3 characters typed at the end of one line of a 1920x1080 document. The
 * engine follows frame after frame (each update sees the pipeline's own dirty rectangles); a full
 * read of the same frame on a fresh engine is the baseline. Every edit is new text, so the
 * changed line is never a cache hit.
 */
async function incrementalVsFull(renderer: PageRenderer, runs: number): Promise<void> {
  console.log('\n## Incremental update after a typing-sized change vs full read, 1920x1080\n');
  const lines = documentLines(30);
  const edited = 11;
  const render = async (i: number): Promise<RgbaImage> =>
    renderer.render({ html: typingPageHtml(lines, edited, typedText(i * 3)), width: 1920, height: 1080, deviceScaleFactor: 1 });
  const frames: RgbaImage[] = [];
  for (let i = 0; i <= runs + 1; i++) frames.push(await render(i));

  const engine = await OcrEngine.create();
  const incMs: number[] = [];
  const incCpu: number[] = [];
  const dirty: string[] = [];
  try {
    await engine.updateElements(firstFrame(frames[0]!));
    for (let i = 1; i < frames.length; i++) {
      const [, next] = changedFrames(frames[i - 1]!, frames[i]!);
      const [ms, , cpu] = await timed(() => engine.updateElements({ ...next, seq: i, previousSeq: i - 1 }));
      // The first edit warms recognition at a new width; time the rest.
      if (i > 1) {
        incMs.push(ms);
        incCpu.push(cpu);
      }
      dirty.push(next.dirtyRects.map((r) => `${r.width}x${r.height}`).join('+'));
    }
  } finally {
    await engine.close();
  }
  const last = frames[frames.length - 1]!;
  const fullMs: number[] = [];
  const fullCpu: number[] = [];
  let fullTexts: string[] = [];
  for (let r = 0; r < runs; r++) {
    const fresh = await OcrEngine.create();
    try {
      await fresh.readFull(rawFrame(mirrorImage(last), 0));
      const [ms, els, cpu] = await timed(() => fresh.readFull(rawFrame(last, 0)));
      fullMs.push(ms);
      fullCpu.push(cpu);
      fullTexts = els.map((e) => e.text);
    } finally {
      await fresh.close();
    }
  }
  const speedup = median(fullMs) / median(incMs);
  console.log(`dirty rects per edit: ${dirty.join(', ')}`);
  console.log('| | wall ms (median) | CPU ms (median) |\n|---|---|---|');
  console.log(`| full read (fresh engine) | ${median(fullMs).toFixed(0)} | ${median(fullCpu).toFixed(0)} |`);
  console.log(`| incremental update | ${median(incMs).toFixed(0)} | ${median(incCpu).toFixed(0)} |`);
  console.log(`speed-up, wall: ${speedup.toFixed(1)}x (target ≥ 10x): ${speedup >= 10 ? 'met' : 'MISSED'}; CPU time: ${(median(fullCpu) / median(incCpu)).toFixed(1)}x`);
  console.log(`full read found ${fullTexts.length} lines; edited line read as: "${fullTexts.find((t) => t.startsWith(`${edited + 1}.`)) ?? '(not found)'}"`);
}

async function wsLatency(renderer: PageRenderer, runs: number): Promise<void> {
  console.log('\n## Pixel change → elements diff at a WebSocket client, 1920x1080\n');
  const r = await measureWsElementsLatency(renderer, Math.max(runs, 5));
  console.log(`capture at ${r.fps} fps; samples (ms): ${r.samples.map((v) => v.toFixed(0)).join(', ')}`);
  console.log(`median pixel change → client: ${r.medianMs.toFixed(0)} ms (target ≤ 150 ms): ${r.medianMs <= 150 ? 'met' : 'MISSED'}`);
  console.log(`median capture → client: ${r.fromCaptureMedianMs.toFixed(0)} ms`);
}

function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
  }
  throw new Error(`bench/ocr: cannot find the repository root above ${from}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
