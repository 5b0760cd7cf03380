// Builders from the pipeline's in-process values to the events `publish()` takes, so the wiring
// never hand-copies fields (and a contract change shows up here, at compile time).
import type { ErrorData } from '../errors.js';
import type { Frame } from '../frames/frame.js';
import type { ElementsDiff, UiElement } from '../perception/element.js';
import type { MetricsSnapshot } from '../metrics.js';
import type { ActionResult } from '../grounding/action.js';
import type { ActionEvent, ActionResultEvent, AnswerEvent, ElementsEvent, ErrorEvent, FrameEvent, MetricsEvent, NarrationEvent, TokenEvent } from './protocol.js';

export type FramePublish = Omit<FrameEvent, 'v'>;
export type ElementsPublish = Omit<ElementsEvent, 'v'>;
export type MetricsPublish = Omit<MetricsEvent, 'v' | 'server' | 'client'>;
export type TokenPublish = Omit<TokenEvent, 'v'>;
export type ActionPublish = Omit<ActionEvent, 'v'>;
export type NarrationPublish = Omit<NarrationEvent, 'v'>;
export type AnswerPublish = Omit<AnswerEvent, 'v'>;
export type ActionResultPublish = Omit<ActionResultEvent, 'v'>;
export type ErrorPublish = Omit<ErrorEvent, 'v' | 'ref'>;

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

/** A piece of streamed model text for the generation looking at frame `seq`; `done` ends it. */
export function tokenEvent(seq: number, text: string, done = false, requestId?: string): TokenPublish {
  return { type: 'token', seq, text, done, ...(requestId !== undefined && { requestId }) };
}

export function actionResultEvent(result: ActionResult): ActionResultPublish {
  return { type: 'action_result', result };
}

/** A proposed action (an Action of the grounding schema) computed on frame `seq`. */
export function actionEvent(seq: number, action: { type: string } & Record<string, unknown>): ActionPublish {
  return { type: 'action', seq, action };
}

export function narrationEvent(text: string, seq?: number): NarrationPublish {
  return { type: 'narration', text, ...(seq !== undefined && { seq }) };
}

export function answerEvent(text: string, seq?: number): AnswerPublish {
  return { type: 'answer', text, ...(seq !== undefined && { seq }) };
}

/** A runtime error for every client, from a SightlineError's `toData()`; the file stays server-side. */
export function errorEvent(error: ErrorData): ErrorPublish {
  return { type: 'error', code: error.code, message: error.message, ...(error.hint !== undefined && { hint: error.hint }) };
}
