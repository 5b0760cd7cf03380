// Per-stage latency, counters and cache hit rates (DESIGN.md "Everything measured"). The same
// numbers go out as `metrics` events and into the benchmarks.

export interface StageStats {
  count: number;
  /** Latency in ms: last, median and p95 over a sliding window. */
  lastMs: number;
  p50Ms: number;
  p95Ms: number;
}

export interface MetricsSnapshot {
  time: number;
  stages: Record<string, StageStats>;
  counters: Record<string, number>;
}

const WINDOW = 256;

export class Metrics {
  private readonly samples = new Map<string, number[]>();
  private readonly totals = new Map<string, number>();
  private readonly counters = new Map<string, number>();

  /** Records one latency sample for a stage. */
  observe(stage: string, ms: number): void {
    let window = this.samples.get(stage);
    if (!window) this.samples.set(stage, (window = []));
    window.push(ms);
    if (window.length > WINDOW) window.shift();
    this.totals.set(stage, (this.totals.get(stage) ?? 0) + 1);
  }

  /** Times an async function as one sample of `stage`. */
  async time<T>(stage: string, fn: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.observe(stage, performance.now() - start);
    }
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  snapshot(): MetricsSnapshot {
    const stages: Record<string, StageStats> = {};
    for (const [stage, window] of this.samples) {
      const sorted = [...window].sort((a, b) => a - b);
      stages[stage] = {
        count: this.totals.get(stage) ?? 0,
        lastMs: round(window[window.length - 1] ?? 0),
        p50Ms: round(quantile(sorted, 0.5)),
        p95Ms: round(quantile(sorted, 0.95)),
      };
    }
    return { time: Date.now(), stages, counters: Object.fromEntries(this.counters) };
  }
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
