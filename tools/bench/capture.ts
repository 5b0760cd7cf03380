// Capture benchmark: ms per 1920x1080 frame for MIT-SHM, core GetImage and screenshot-desktop
// (ImageMagick `import` + PNG decode), in one run under a private Xvfb, and MIT-SHM with every
// frame's buffer recycled (X11FrameSource.recycle: what a static screen costs). Prints the machine, medians and ratios
// against core GetImage measured in the same run; the X11 variants alternate call by call so that
// load from other processes skews them alike.
//
//   npm run build && node dist/tools/bench/capture.js [--frames 200] [--screenshot-frames 10]
//
// `benchCapture` is exported for the foundation bench: it measures one method on a display that
// is already running.
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { FrameSource } from '../../src/frames/frame.js';
import { X11FrameSource } from '../../src/frames/x11-source.js';
import { ScreenshotDesktopSource } from '../../src/frames/screenshot-desktop-source.js';
import { connectX11 } from '../../src/frames/x11-connection.js';
import { ShmImageReader } from '../../src/frames/x11-shm.js';
import { startXvfb } from '../../test/helpers/xvfb.js';
import { X11Painter } from '../../test/helpers/x11-painter.js';

/** 'shm-recycled': MIT-SHM where every frame is handed back (a static screen, all frames unchanged). */
export type CaptureBenchMethod = 'shm' | 'shm-recycled' | 'getimage' | 'screenshot';

export interface CaptureBenchOptions {
  /** X display name, e.g. ":99". */
  display: string;
  frames: number;
  method?: CaptureBenchMethod;
  /** Untimed captures first (connection warm-up, page faults of the first buffers). Default 3. */
  warmup?: number;
}

export interface CaptureBenchResult {
  method: CaptureBenchMethod;
  width: number;
  height: number;
  frames: number;
  medianMs: number;
  p90Ms: number;
  /** 1000 / medianMs: back-to-back capture rate. */
  fps: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function timeCalls(frames: number, warmup: number, call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < frames; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

function summarize(method: CaptureBenchMethod, width: number, height: number, times: number[]): CaptureBenchResult {
  const medianMs = quantile(times, 0.5);
  return { method, width, height, frames: times.length, medianMs, p90Ms: quantile(times, 0.9), fps: 1000 / medianMs };
}

/** Captures `frames` frames of the primary display back to back with one method. */
export async function benchCapture(options: CaptureBenchOptions): Promise<CaptureBenchResult> {
  const method = options.method ?? 'shm';
  const saved = process.env.DISPLAY;
  let source: FrameSource & { display: { width: number; height: number } };
  let capture: () => Promise<unknown>;
  if (method === 'screenshot') {
    process.env.DISPLAY = options.display; // screenshot-desktop shoots this process' $DISPLAY
    source = await ScreenshotDesktopSource.open();
    capture = () => source.capture();
  } else {
    const x11 = await X11FrameSource.open({ xDisplay: options.display, method: method === 'shm-recycled' ? 'shm' : method });
    source = x11;
    capture = method === 'shm-recycled' ? async () => x11.recycle((await x11.capture())!) : () => x11.capture();
  }
  try {
    const times = await timeCalls(options.frames, options.warmup ?? 3, capture);
    return summarize(method, source.display.width, source.display.height, times);
  } finally {
    await source.close();
    if (method === 'screenshot') {
      if (saved === undefined) delete process.env.DISPLAY;
      else process.env.DISPLAY = saved;
    }
  }
}

/** MIT-SHM (fresh and recycled buffers) and GetImage alternating call by call, so load from other processes hits all alike. */
async function benchInterleaved(display: string, frames: number): Promise<CaptureBenchResult[]> {
  const runs = [
    { method: 'shm' as const, source: await X11FrameSource.open({ xDisplay: display, method: 'shm' }), recycle: false, times: [] as number[] },
    { method: 'shm-recycled' as const, source: await X11FrameSource.open({ xDisplay: display, method: 'shm' }), recycle: true, times: [] as number[] },
    { method: 'getimage' as const, source: await X11FrameSource.open({ xDisplay: display, method: 'getimage' }), recycle: false, times: [] as number[] },
  ];
  try {
    for (let i = 0; i < frames + 3; i++) {
      for (const run of runs) {
        const start = performance.now();
        const frame = (await run.source.capture())!;
        if (i >= 3) run.times.push(performance.now() - start);
        if (run.recycle) run.source.recycle(frame);
      }
    }
    return runs.map((r) => summarize(r.method, r.source.display.width, r.source.display.height, r.times.sort((a, b) => a - b)));
  } finally {
    for (const run of runs) await run.source.close();
  }
}

/** Screen-like content: flat panels and many small text-sized blocks, so PNG encoding is realistic. */
async function paintDesktop(painter: X11Painter, width: number, height: number): Promise<void> {
  const ops = [{ rect: { x: 0, y: 0, width, height }, rgb: 0xf3f3f3 }, { rect: { x: 0, y: 0, width, height: 40 }, rgb: 0x2b2b2b }];
  for (let y = 80; y < height - 20; y += 22) {
    for (let x = 40; x < width - 200; x += 90 + ((x * 7 + y) % 60)) ops.push({ rect: { x, y, width: 40 + ((x + y) % 50), height: 12 }, rgb: (x * 2654435761 + y) & 0x3f3f3f });
  }
  await painter.paint(ops);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { frames: { type: 'string', default: '200' }, 'screenshot-frames': { type: 'string', default: '10' } } });
  const args = z.object({ frames: z.coerce.number().int().min(5).max(5000), screenshotFrames: z.coerce.number().int().min(1).max(200) }).safeParse({ frames: values.frames, screenshotFrames: values['screenshot-frames'] });
  if (!args.success) throw new Error(`bench/capture: ${args.error.issues[0]!.path.join('.')}: ${args.error.issues[0]!.message}`);
  const { frames, screenshotFrames } = args.data;

  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} (other work on the machine inflates every figure alike)`);
  const xvfb = await startXvfb({ width: 1920, height: 1080, withWindowManager: false });
  const painter = await X11Painter.open(xvfb.display);
  try {
    await paintDesktop(painter, 1920, 1080);
    console.log(`Xvfb ${xvfb.display} 1920x1080x24; ${frames} timed frames (${screenshotFrames} for screenshot-desktop), medians`);
    const [shm, recycled, getimage] = (await benchInterleaved(xvfb.display, frames)) as [CaptureBenchResult, CaptureBenchResult, CaptureBenchResult];
    const screenshot = await benchCapture({ display: xvfb.display, frames: screenshotFrames, method: 'screenshot', warmup: 1 });
    const rows = [shm, recycled, getimage, screenshot];
    console.log('method         median ms   p90 ms     fps   vs GetImage');
    for (const r of rows) {
      console.log(`${r.method.padEnd(14)} ${r.medianMs.toFixed(2).padStart(9)} ${r.p90Ms.toFixed(2).padStart(8)} ${r.fps.toFixed(1).padStart(7)}   ${(getimage.medianMs / r.medianMs).toFixed(2)}x`);
    }
  } finally {
    await painter.close();
    await xvfb.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
