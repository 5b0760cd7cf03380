// Pixel change → `elements` diff at a WebSocket client, end to end through the real pieces: an
// in-memory frame source (a replay of rendered frames whose pixels change when we say so), a
// Session (src/session.ts: the Runtime graph capture → change → perceive with the OcrEngine, and
// the SightlineServer) and a `ws` client subscribed to `elements`. Measured from the moment the source starts showing the new
// pixels to the moment the client has parsed the diff read from them.
import { filter, firstValueFrom, timeout } from 'rxjs';
import WebSocket from 'ws';
import type { DisplayInfo, FrameSource, RawFrame } from '../../src/frames/frame.js';
import { median } from '../../src/metrics.js';
import { SUBPROTOCOL, PROTOCOL_VERSION } from '../../src/server/protocol.js';
import { Session } from '../../src/session.js';
import { rawFrame, type RgbaImage } from './eval-frames.js';
import type { PageRenderer } from './render-page.js';
import { documentLines, typedText, typingPageHtml } from './typing-page.js';

/** Shows one image until told to show the next; remembers when each change became visible. */
class SteppedSource implements FrameSource {
  readonly kind = 'replay';
  private index = 0;
  private seq = 0;
  /** performance.now() when image i started being shown. */
  readonly shownAt: number[] = [];
  private firstCapture: ((c: { seq: number; at: number }) => void) | null = null;

  constructor(private readonly images: RgbaImage[]) {
    this.shownAt[0] = performance.now();
  }

  async displays(): Promise<DisplayInfo[]> {
    const { width, height } = this.images[0]!;
    return [{ id: 'replay', x: 0, y: 0, width, height, scaleFactor: 1, primary: true }];
  }

  /** Starts showing image `index`; resolves with the seq and time of the first capture of it. */
  show(index: number): Promise<{ seq: number; at: number }> {
    this.index = index;
    this.shownAt[index] = performance.now();
    return new Promise((resolve) => (this.firstCapture = resolve));
  }

  async capture(): Promise<RawFrame | null> {
    const frame = rawFrame(this.images[this.index]!, this.seq++);
    this.firstCapture?.({ seq: frame.seq, at: frame.monotonicMs });
    this.firstCapture = null;
    return frame;
  }

  async close(): Promise<void> {}
}

export interface WsLatency {
  fps: number;
  samples: number[];
  medianMs: number;
  /** From the first capture that saw the change, i.e. without waiting for the capture tick. */
  fromCaptureMedianMs: number;
}

/**
 * Typing on a 1920x1080 document: each step appends 3 characters to one line. The runtime captures
 * at `fps`; latency includes the wait for the next capture tick (on average half its interval).
 */
export async function measureWsElementsLatency(renderer: PageRenderer, runs: number, fps = 30): Promise<WsLatency> {
  const lines = documentLines(30);
  const images: RgbaImage[] = [];
  for (let i = 0; i <= runs + 1; i++) {
    images.push(await renderer.render({ html: typingPageHtml(lines, 11, typedText(i * 3)), width: 1920, height: 1080, deviceScaleFactor: 1 }));
  }
  const source = new SteppedSource(images);
  const session = new Session({ source, fps, engine: 'ocr', metricsIntervalMs: 60_000 });
  // The first full read, seen in-process; measuring starts once it is done and the client's
  // subscription is acknowledged, so every measured diff reaches the client.
  const firstRead = firstValueFrom(session.events.pipe(filter((e) => e.type === 'elements'), timeout({ first: 120_000 })));
  firstRead.catch(() => undefined); // awaited below; if start() fails, its own error is the one to report
  await session.start();
  const { server } = session;
  const client = new WebSocket(server.url, SUBPROTOCOL, { headers: { Authorization: `Bearer ${server.token}` } });
  const received: Array<{ seq: number; at: number }> = [];
  let wake: (() => void) | null = null;
  client.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; seq?: number };
    if (msg.type === 'elements') {
      received.push({ seq: msg.seq!, at: performance.now() });
      wake?.();
    }
  });
  const nextElementsFrom = async (seq: number, timeoutMs = 30_000): Promise<{ seq: number; at: number }> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = received.find((r) => r.seq >= seq);
      if (hit) return hit;
      if (performance.now() > deadline) throw new Error(`no elements event for frame ≥ ${seq} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    const subscribed = new Promise<void>((resolve) => client.on('message', (data) => String(data).includes('"type":"ack"') && resolve()));
    client.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'subscribe', topics: ['elements'], id: 'sub' }));
    await Promise.all([subscribed, firstRead]);
    const samples: number[] = [];
    const fromCapture: number[] = [];
    for (let i = 1; i < images.length; i++) {
      received.length = 0;
      const capture = await source.show(i);
      const hit = await nextElementsFrom(capture.seq);
      // The first edit warms recognition at a new crop width: keep it out of the median.
      if (i > 1) {
        samples.push(hit.at - source.shownAt[i]!);
        fromCapture.push(hit.at - capture.at);
      }
    }
    return { fps, samples, medianMs: median(samples), fromCaptureMedianMs: median(fromCapture) };
  } finally {
    client.close();
    await session.close();
  }
}
