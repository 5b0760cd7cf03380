// A FrameSource over frames held in memory, for pipeline tests that are about the graph rather
// than about capture (capture has its own tests against a real X server).
import type { DisplayInfo, FrameSource, RawFrame } from '../../src/frames/frame.js';

export const testDisplay: DisplayInfo = { id: '0', x: 0, y: 0, width: 64, height: 64, scaleFactor: 1, primary: true };

/** A solid BGRA frame with optional single pixels set: [x, y, blue value]. */
export function solidFrame(seq: number, pixels: Array<[number, number, number]> = [], width = 64, height = 64): RawFrame {
  const data = Buffer.alloc(width * height * 4, 0x10);
  for (const [x, y, v] of pixels) data[(y * width + x) * 4] = v;
  return { seq, time: Date.now(), monotonicMs: performance.now(), display: { ...testDisplay, width, height }, region: { x: 0, y: 0, width, height }, width, height, pixelFormat: 'bgra', data };
}

export class MemorySource implements FrameSource {
  readonly kind = 'memory';
  served = 0;
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly frames: RawFrame[]) {}

  async displays(): Promise<DisplayInfo[]> {
    return [testDisplay];
  }

  async capture(): Promise<RawFrame | null> {
    const frame = this.frames[this.served] ?? null;
    if (frame) this.served++;
    for (const w of this.waiters.filter((w) => this.served >= w.count)) w.resolve();
    return frame;
  }

  /** Resolves once `count` frames have been served. */
  servedAtLeast(count: number): Promise<void> {
    if (this.served >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {}
}
