// Capture at a fixed rate. A tick that arrives while the previous capture is still running is
// skipped and counted (exhaustMap): capture never builds a backlog. While paused, no capture runs.
import { EMPTY, Observable, exhaustMap, filter, from, switchMap, takeWhile, timer } from 'rxjs';
import type { FrameSource, RawFrame } from '../frames/frame.js';
import type { Metrics } from '../metrics.js';

export function captureFrames(source: FrameSource, fps: number, paused$: Observable<boolean>, metrics: Metrics): Observable<RawFrame> {
  const periodMs = 1000 / fps;
  let busy = false;
  return paused$.pipe(
    switchMap((paused) => (paused ? EMPTY : timer(0, periodMs))),
    filter(() => {
      if (busy) metrics.count('capture.ticks_skipped');
      return true;
    }),
    exhaustMap(() => {
      busy = true;
      const started = performance.now();
      return from(
        source.capture().finally(() => {
          busy = false;
          metrics.observe('capture', performance.now() - started);
        }),
      );
    }),
    // null: the source has ended (a replay ran out of frames).
    takeWhile((frame): frame is RawFrame => frame !== null),
  );
}
