// The library surface: what agents and other programs import (`import { Session } from 'sightline'`).
// Everything here is a contract that semver covers; modules not re-exported are internal.

// The composition root: one running sightline, its lifecycle, its latest frame and elements.
export { Session, toProtocolEvents, type SessionComponent, type SessionConfig, type SessionSnapshot } from './session.js';
export { ENGINES, createEngine, type EngineName, type EngineOptions } from './engines.js';

// The error model.
export { SightlineError, isSightlineError, type ErrorData, type ErrorOptions } from './errors.js';

// Frames, geometry and frame sources.
export { type DisplayInfo, type Frame, type FrameSource, type PixelFormat, type RawFrame } from './frames/frame.js';
export * from './frames/rect.js';
export { openFrameSource, parseSourceSpec, sourceSpecSchema, type SourceSpec } from './frames/open-frame-source.js';
export { FrameSourceError, NoDisplayError } from './frames/source-errors.js';
export { X11FrameSource, type X11SourceOptions } from './frames/x11-source.js';
export { ScreenshotDesktopSource, type ScreenshotSourceOptions } from './frames/screenshot-desktop-source.js';
export { ReplaySource, type ReplaySourceOptions } from './frames/replay-source.js';
export { Recorder, type RecorderOptions, type RecorderStats } from './frames/recording.js';
export { ChangeDetector } from './frames/change.js';

// The perception contract every engine speaks, and the embedded OCR engine.
export { ELEMENT_KINDS, isEmptyDiff, type ElementKind, type ElementState, type ElementsDiff, type UiElement, type WordBox } from './perception/element.js';
export type { Perception, ProposedAction, TextChunk, VisionTokens } from './perception/perception.js';
export type { PerceptionEngine } from './perception/engine.js';
export { OcrEngine, type OcrEngineOptions } from './ocr/ocr-engine.js';
export { findText, type FindTextOptions, type MatchKind, type TextMatch } from './grounding/find-text.js';

// The pipeline and its measurements.
export { Runtime, type RuntimeEvent, type RuntimeOptions } from './pipeline/runtime.js';
export { Metrics, type MetricsSnapshot, type StageStats } from './metrics.js';
export { createLogger, type LogLevel, type Logger } from './log.js';

// The WebSocket server and its protocol (message types and their zod schemas).
export { SightlineServer, type ClientCommandMessage, type ServerStats, type SubscribeSnapshot } from './server/ws-server.js';
export type { ServerOptions } from './server/server-options.js';
export { elementsDiffEvent, elementsFullEvent, frameEvent, metricsEvent } from './server/events.js';
export * from './server/protocol.js';
