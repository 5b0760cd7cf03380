// Live-X11 soak: `sightline run --engine none` on a private Xvfb whose screen changes every 100 ms,
// with MIT-SHM capture and with MIT-SHM disabled (Xvfb started with `-extension MIT-SHM`, so the
// source falls back to core GetImage), sampling the process's resident memory (VmRSS) every second.
// Memory is flat when the median RSS of the last window is within +5% of the second window; the
// first window is warm-up (JIT, sharp and the x11 buffers settle). The window is a tenth of the run,
// at least 10 s: the second minute against the last minute for the 10-minute benchmark, the second
// 10 s against the last 10 s for the 60-s CI run.
//
//   npm run bench:soak                      10 minutes, both modes at once, 1920x1080
//   npm run bench:soak -- --seconds 60 --width 1280 --height 720
//
// test/reliability/soak.test.ts runs the same function for 60 s.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startXvfb } from '../../test/helpers/xvfb.js';
import { changeScreen, median, mib, rssBytes, startRun } from '../../test/reliability/run-process.js';

export interface SoakOptions {
  seconds: number;
  /** false: Xvfb without MIT-SHM, so capture goes through GetImage replies. */
  shm: boolean;
  width: number;
  height: number;
  /** How often the screen changes. */
  changeIntervalMs: number;
  /** Largest allowed growth of the last window's median RSS over the second window's, as a fraction. */
  bound: number;
}

export interface SoakResult {
  mode: 'shm' | 'no-shm';
  seconds: number;
  /** RSS samples, bytes, one per second from the start. */
  samples: number[];
  windowSeconds: number;
  secondWindowMedian: number;
  lastWindowMedian: number;
  /** lastWindowMedian / secondWindowMedian − 1. */
  growth: number;
  peak: number;
  screenChanges: number;
  withinBound: boolean;
}

export const SOAK_DEFAULTS: SoakOptions = { seconds: 600, shm: true, width: 1920, height: 1080, changeIntervalMs: 100, bound: 0.05 };

export async function runSoak(partial: Partial<SoakOptions> = {}): Promise<SoakResult> {
  const options = { ...SOAK_DEFAULTS, ...partial };
  const windowSeconds = Math.max(10, Math.floor(options.seconds / 10));
  const xvfb = await startXvfb({
    width: options.width,
    height: options.height,
    withWindowManager: false,
    ...(options.shm ? {} : { serverArgs: ['-extension', 'MIT-SHM'] }),
  });
  try {
    const run = await startRun(['--engine', 'none', '--fps', '10', '--source', 'x11'], xvfb.env);
    const changer = await changeScreen(xvfb.display, options.changeIntervalMs);
    const samples: number[] = [];
    try {
      const started = performance.now();
      for (let s = 1; s <= options.seconds; s++) {
        const wait = started + s * 1000 - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const rss = rssBytes(run.pid);
        if (rss === null) throw new Error(`sightline exited during the soak after ${s} s:\n${run.stderr()}`);
        samples.push(rss);
      }
    } finally {
      await changer.stop();
      await run.kill('SIGTERM');
    }
    const second = samples.slice(windowSeconds, 2 * windowSeconds);
    const last = samples.slice(-windowSeconds);
    const secondWindowMedian = median(second);
    const lastWindowMedian = median(last);
    const growth = lastWindowMedian / secondWindowMedian - 1;
    return {
      mode: options.shm ? 'shm' : 'no-shm',
      seconds: options.seconds,
      samples,
      windowSeconds,
      secondWindowMedian,
      lastWindowMedian,
      growth,
      peak: Math.max(...samples),
      screenChanges: changer.changes,
      withinBound: growth <= options.bound,
    };
  } finally {
    await xvfb.stop();
  }
}

export function soakTable(results: readonly SoakResult[]): string {
  const rows = [
    ['mode', 'seconds', 'changes', 'window', 'median RSS 2nd window', 'median RSS last window', 'growth', 'peak RSS'],
    ...results.map((r) => [
      r.mode,
      String(r.seconds),
      String(r.screenChanges),
      `${r.windowSeconds} s`,
      mib(r.secondWindowMedian),
      mib(r.lastWindowMedian),
      `${(r.growth * 100).toFixed(1)}%`,
      mib(r.peak),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: String(SOAK_DEFAULTS.seconds) },
      width: { type: 'string', default: String(SOAK_DEFAULTS.width) },
      height: { type: 'string', default: String(SOAK_DEFAULTS.height) },
      mode: { type: 'string', default: 'both' },
    },
  });
  const common = { seconds: Number(values.seconds), width: Number(values.width), height: Number(values.height) };
  const modes = values.mode === 'both' ? [true, false] : [values.mode === 'shm'];
  console.log(`soak: sightline run --engine none on Xvfb ${common.width}x${common.height}, screen changing every ${SOAK_DEFAULTS.changeIntervalMs} ms, ${common.seconds} s, modes ${modes.map((m) => (m ? 'shm' : 'no-shm')).join(' + ')} in parallel`);
  console.log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results = await Promise.all(modes.map((shm) => runSoak({ ...common, shm })));
  console.log(soakTable(results));
  for (const r of results) {
    const perWindow = Array.from({ length: Math.floor(r.seconds / r.windowSeconds) }, (_, i) => mib(median(r.samples.slice(i * r.windowSeconds, (i + 1) * r.windowSeconds))));
    console.log(`${r.mode} median RSS per window: ${perWindow.join(', ')}`);
  }
  const failed = results.filter((r) => !r.withinBound);
  if (failed.length > 0) {
    console.log(`NOT FLAT (+${SOAK_DEFAULTS.bound * 100}% bound): ${failed.map((r) => r.mode).join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log(`flat: every mode within +${SOAK_DEFAULTS.bound * 100}%`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
