// The rule for heavy stages (DESIGN.md "Never work on stale frames"): start work on a value when
// idle; while busy keep only the newest value and run it when the current work ends. Nothing
// queues. Each value that is overtaken before it started is counted as dropped.
//
// Unlike plain exhaustMap, the newest value is never lost (a trailing run follows). `merge` lets a
// stage carry what an overtaken value meant into the one that replaces it — for frames, the dropped
// frame's dirty rectangles, which the next frame's rectangles (computed against the dropped frame,
// not against the last one perceived) would otherwise miss.
import { Observable, from, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';

export interface LatestWinsOptions<T> {
  /** Called for every value overtaken by a newer one before its work started. */
  onDrop?: (dropped: T) => void;
  /** Combines an overtaken value into its replacement; defaults to keeping the replacement. */
  merge?: (dropped: T, next: T) => T;
}

export function latestWins<T, R>(work: (value: T) => ObservableInput<R>, options: LatestWinsOptions<T> = {}): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let pending: { value: T } | null = null;
      // `busy` is separate from the subscription handle: work that completes synchronously does so
      // inside subscribe(), before the handle could be stored.
      let busy = false;
      let running: Subscription | null = null;
      let sourceDone = false;

      const start = (value: T): void => {
        busy = true;
        running = from(work(value)).subscribe({
          next: (result) => subscriber.next(result),
          error: (err) => subscriber.error(err),
          complete: () => {
            busy = false;
            running = null;
            if (pending) {
              const next = pending.value;
              pending = null;
              start(next);
            } else if (sourceDone) {
              subscriber.complete();
            }
          },
        });
        if (!busy) running = null;
      };

      const sourceSubscription = source.subscribe({
        next: (value) => {
          if (!busy) return start(value);
          if (pending) {
            options.onDrop?.(pending.value);
            pending = { value: options.merge ? options.merge(pending.value, value) : value };
          } else {
            pending = { value };
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (!busy && !pending) subscriber.complete();
        },
      });

      return () => {
        sourceSubscription.unsubscribe();
        running?.unsubscribe();
      };
    });
}
