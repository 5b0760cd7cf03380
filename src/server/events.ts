// Builders from the pipeline's in-process values to the events `publish()` takes, so the wiring
// never hand-copies fields (and a contract change shows up here, at compile time).
import type { Frame } from '../frames/frame.js';
import type { ElementsDiff, UiElement } from '../perception/element.js';
import type { MetricsSnapshot } from '../metrics.js';
import type { ElementsEvent, FrameEvent, MetricsEvent } from './protocol.js';

export type FramePublish = Omit<FrameEvent, 'v'>;
export type ElementsPublish = Omit<ElementsEvent, 'v'>;
export type MetricsPublish = Omit<MetricsEvent, 'v' | 'server' | 'client'>;

/** `thumbnail`: a small JPEG data URL, worth making only when `server.wantsThumbnails()`. */
export function frameEvent(frame: Frame, thumbnail?: string): FramePublish {
  return {
    type: 'frame',
    seq: frame.seq,
    time: frame.time,
    displayId: frame.display.id,
    width: frame.width,
    height: frame.height,
    dirtyRects: frame.dirtyRects,
    ...(thumbnail !== undefined && { thumbnail }),
  };
}

export function elementsDiffEvent(diff: ElementsDiff): ElementsPublish {
  return { type: 'elements', seq: diff.seq, full: false, added: diff.added, removed: diff.removed, changed: diff.changed };
}

/** The whole element set, as sent on subscribe and on a resync. */
export function elementsFullEvent(seq: number, elements: UiElement[]): ElementsPublish {
  return { type: 'elements', seq, full: true, added: elements, removed: [], changed: [] };
}

export function metricsEvent(snapshot: MetricsSnapshot): MetricsPublish {
  return { type: 'metrics', time: snapshot.time, stages: snapshot.stages, counters: snapshot.counters };
}
