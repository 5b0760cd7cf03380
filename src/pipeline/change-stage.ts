// Change detection as a pipeline stage: unchanged frames stop here and are only counted; their
// buffers go back to the source (nothing downstream ever saw them).
import { type OperatorFunction, filter, map } from 'rxjs';
import { ChangeDetector } from '../frames/change.js';
import type { Frame, FrameSource, RawFrame } from '../frames/frame.js';
import type { Metrics } from '../metrics.js';

export function detectChanges(detector: ChangeDetector, metrics: Metrics, source?: Pick<FrameSource, 'recycle'>): OperatorFunction<RawFrame, Frame> {
  return (raw$) =>
    raw$.pipe(
      map((raw) => {
        const started = performance.now();
        const frame = detector.detect(raw);
        metrics.observe('change', performance.now() - started);
        metrics.count(frame ? 'frames.changed' : 'frames.unchanged');
        if (!frame) source?.recycle?.(raw);
        return frame;
      }),
      filter((frame): frame is Frame => frame !== null),
    );
}
