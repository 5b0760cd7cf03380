// Build progress: events from the builder, drawn as a bar on a terminal and as a few quiet lines
// otherwise (CI logs, pipes). Progress is weighted by checkpoint bytes, which is what takes time.

export type PartName = 'vision' | 'embed' | 'decoder';

export type ProgressEvent =
  | { kind: 'start'; parts: PartName[]; totalBytes: number }
  | { kind: 'part-start'; part: PartName; file: string }
  | { kind: 'tensor'; part: PartName; name: string; doneBytes: number; totalBytes: number }
  | { kind: 'part-done'; part: PartName; file: string; bytes: number; seconds: number }
  | { kind: 'finishing' };

export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

const BAR_WIDTH = 30;
/** Redraw at most this often: a 7B build reports ~400 tensors, some in quick bursts. */
const REDRAW_MS = 100;

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

export function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}

/** Returns an onProgress callback that renders to `sink`; `now` is injectable for tests. */
export function progressRenderer(sink: ProgressSink, now: () => number = Date.now): (e: ProgressEvent) => void {
  const started = now();
  let lastDraw = -Infinity;
  let barShown = false;
  const clearBar = (): void => {
    if (barShown) sink.write('\r\x1b[2K');
    barShown = false;
  };
  return (e) => {
    switch (e.kind) {
      case 'start':
        sink.write(`building ${e.parts.join(', ')} from ${formatBytes(e.totalBytes)} of weights\n`);
        return;
      case 'part-start':
        clearBar();
        sink.write(`${e.part}: writing ${e.file}\n`);
        return;
      case 'tensor': {
        if (!sink.isTTY) return;
        const t = now();
        if (t - lastDraw < REDRAW_MS && e.doneBytes < e.totalBytes) return;
        lastDraw = t;
        const frac = e.totalBytes > 0 ? Math.min(1, e.doneBytes / e.totalBytes) : 1;
        const filled = Math.round(frac * BAR_WIDTH);
        const bar = '#'.repeat(filled) + '.'.repeat(BAR_WIDTH - filled);
        const line = `[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${e.part} ${formatBytes(e.doneBytes)}/${formatBytes(e.totalBytes)} ${formatSeconds((t - started) / 1000)} ${e.name}`;
        sink.write(`\r\x1b[2K${line.slice(0, (sink.columns ?? 100) - 1)}`);
        barShown = true;
        return;
      }
      case 'part-done':
        clearBar();
        sink.write(`${e.part}: ${e.file} ${formatBytes(e.bytes)} in ${formatSeconds(e.seconds)}\n`);
        return;
      case 'finishing':
        clearBar();
        return;
    }
  };
}
