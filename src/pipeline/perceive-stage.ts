// The perceive stage: the engine takes the newest changed frame when it is free (latest-wins).
// A frame overtaken while the engine was busy is merged into its replacement so that its dirty
// rectangles are still re-read: the replacement's own rectangles were computed against the
// overtaken frame, not against the last frame the engine saw.
import { type OperatorFunction, defer, filter } from 'rxjs';
import { mergeRectLists } from '../frames/change.js';
import type { Frame } from '../frames/frame.js';
import { latestWins } from './latest-wins.js';
import type { Metrics } from '../metrics.js';
import type { PerceptionEngine } from '../perception/engine.js';
import type { Perception } from '../perception/perception.js';

export function perceive(engine: PerceptionEngine, metrics: Metrics, onError: (err: Error, frame: Frame) => void): OperatorFunction<Frame, Perception> {
  return (frame$) =>
    frame$.pipe(
      latestWins(
        (frame) =>
          defer(async () => {
            const started = performance.now();
            try {
              return await engine.update(frame);
            } catch (err) {
              // A failed frame must not end the stream: report it and keep perceiving later frames.
              metrics.count('perceive.errors');
              onError(err as Error, frame);
              return null;
            } finally {
              metrics.observe('perceive', performance.now() - started);
            }
          }),
        { onDrop: () => metrics.count('perceive.frames_dropped'), merge: mergeSkippedFrame },
      ),
      filter((perception): perception is Perception => perception !== null),
    );
}

/** The newer frame, carrying the dirty areas of the one it overtook. */
export function mergeSkippedFrame(skipped: Frame, next: Frame): Frame {
  if (next.previousSeq === null || skipped.width !== next.width || skipped.height !== next.height) return next;
  return { ...next, dirtyRects: mergeRectLists(skipped.dirtyRects, next.dirtyRects), previousSeq: skipped.previousSeq };
}
