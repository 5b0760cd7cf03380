// The one RxJS graph (DESIGN.md "The pipeline"): capture → change → perceive, with every output
// turned into an event for the WebSocket server and the recording.
//
//   capture (timer, exhaustMap) ─► change (sync) ─┬─► frame events (at once)
//                                                 ├─► thumbnailed frame events (when asked, latest-wins)
//                                                 ├─► recorder
//                                                 └─► perceive (latest-wins, worker thread) ─► elements events
//   metrics every second ─► metrics events
import { BehaviorSubject, Subject, defer, filter, interval, map, merge, mergeMap, of, share, takeUntil, tap, type Observable } from 'rxjs';
import { ChangeDetector, DEFAULT_TILE_SIZE } from '../frames/change.js';
import type { Frame, FrameSource } from '../frames/frame.js';
import { isEmptyDiff, type ElementsDiff } from '../perception/element.js';
import type { Perception, ProposedAction, TextChunk } from '../perception/perception.js';
import { captureFrames } from './capture-stage.js';
import { detectChanges } from './change-stage.js';
import { latestWins } from './latest-wins.js';
import type { Metrics, MetricsSnapshot } from '../metrics.js';
import type { PerceptionEngine } from '../perception/engine.js';
import { perceive } from './perceive-stage.js';
import { thumbnailDataUrl } from './thumbnail.js';

/** What the runtime emits; the server turns these into protocol events. */
export type RuntimeEvent =
  | { type: 'frame'; frame: Frame; thumbnail?: string }
  | { type: 'elements'; diff: ElementsDiff }
  | { type: 'text'; seq: number; chunk: TextChunk }
  | { type: 'action'; seq: number; action: ProposedAction }
  | { type: 'metrics'; snapshot: MetricsSnapshot }
  | { type: 'error'; code: string; message: string };

/** Where changed frames are recorded (frames/recording.ts); its owner closes it. */
export interface FrameRecorderLike {
  writeFrame(frame: Frame): unknown;
}

export interface RuntimeOptions {
  source: FrameSource;
  fps: number;
  metrics: Metrics;
  perception?: PerceptionEngine;
  recorder?: FrameRecorderLike;
  tileSize?: number;
  /** Asked per frame: whether any client wants thumbnails. */
  wantsThumbnails?: () => boolean;
  metricsIntervalMs?: number;
}

export class Runtime {
  /** Every event, hot; subscribe before start(). */
  readonly events: Observable<RuntimeEvent>;
  private readonly paused$ = new BehaviorSubject(false);
  private readonly stop$ = new Subject<void>();
  private readonly events$ = new Subject<RuntimeEvent>();
  private finished!: Promise<void>;
  private started = false;

  constructor(private readonly options: RuntimeOptions) {
    this.events = this.events$.asObservable();
  }

  get paused(): boolean {
    return this.paused$.value;
  }

  pause(): void {
    this.paused$.next(true);
  }

  resume(): void {
    this.paused$.next(false);
  }

  /** Starts the graph; the returned promise resolves when the source ends or stop() was called. */
  start(): Promise<void> {
    if (this.started) return this.finished;
    this.started = true;
    const { source, fps, metrics, perception, recorder } = this.options;
    const detector = new ChangeDetector(this.options.tileSize ?? DEFAULT_TILE_SIZE);

    const frames$ = captureFrames(source, fps, this.paused$, metrics).pipe(
      takeUntil(this.stop$),
      detectChanges(detector, metrics, source),
      tap((frame) => recorder?.writeFrame(frame)),
      share(),
    );

    // A frame's event goes out at once; its thumbnail (10-20 ms of sharp) follows in a second event
    // for the clients that asked, so a client that did not never waits for one (server topics.ts).
    const frameEvents$: Observable<RuntimeEvent> = frames$.pipe(map((frame) => ({ type: 'frame' as const, frame })));
    const thumbnailEvents$: Observable<RuntimeEvent> = frames$.pipe(
      filter(() => this.options.wantsThumbnails?.() === true),
      latestWins((frame) => this.thumbnailEvent(frame), { onDrop: () => metrics.count('thumbnails.coalesced') }),
      filter((event): event is RuntimeEvent => event !== null),
    );

    const elementEvents$: Observable<RuntimeEvent> = perception
      ? frames$.pipe(
          perceive(perception, metrics, (err, frame) =>
            this.events$.next({ type: 'error', code: 'ERR_PERCEPTION', message: `perception failed on frame ${frame.seq}: ${err.message}` }),
          ),
          mergeMap(perceptionEvents),
        )
      : of();

    const metrics$ = interval(this.options.metricsIntervalMs ?? 1000).pipe(
      takeUntil(this.stop$),
      map(() => ({ type: 'metrics' as const, snapshot: metrics.snapshot() })),
    );

    this.finished = new Promise<void>((resolve, reject) => {
      const graph = merge(frameEvents$, thumbnailEvents$, elementEvents$);
      graph.subscribe({
        next: (event) => this.events$.next(event),
        error: (err) => {
          this.stop$.next();
          reject(err);
        },
        complete: () => {
          // The source ended or stop() was called: stop the metrics ticker too.
          this.stop$.next();
          resolve();
        },
      });
      metrics$.subscribe((event) => this.events$.next(event));
    });
    return this.finished;
  }

  /** Stops capture; in-flight perception finishes, then the graph completes. */
  async stop(): Promise<void> {
    this.stop$.next();
    if (this.started) await this.finished.catch(() => undefined);
    this.events$.complete();
  }

  private thumbnailEvent(frame: Frame): Observable<RuntimeEvent | null> {
    return defer(async () => {
      try {
        return { type: 'frame' as const, frame, thumbnail: await thumbnailDataUrl(frame) };
      } catch {
        // The clients that asked for thumbnails get the next frame's; the plain event went out already.
        this.options.metrics.count('thumbnails.failed');
        return null;
      }
    });
  }
}

/** The parts of one Perception as events, in the order a client needs them: elements, text, actions. */
export function perceptionEvents(p: Perception): RuntimeEvent[] {
  return [
    ...(p.elements && !isEmptyDiff(p.elements) ? [{ type: 'elements' as const, diff: p.elements }] : []),
    ...(p.text ?? []).map((chunk) => ({ type: 'text' as const, seq: p.seq, chunk })),
    ...(p.actions ?? []).map((action) => ({ type: 'action' as const, seq: p.seq, action })),
  ];
}
