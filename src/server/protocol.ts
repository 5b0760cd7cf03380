// The sightline WebSocket protocol, version 1 (docs/protocol.md). Every message is one JSON text
// frame carrying `v` (protocol version) and `type`. These schemas are the single definition of
// the wire format: the server parses inbound commands with them, clients and tests can parse
// events with them, and the TypeScript types are inferred from them.
//
// Growing v1 without breaking it (docs/protocol.md "Versioning"): new event types and new optional
// fields may be added (clients ignore what they do not know); new command types are added to
// `commandSchemas` and announced in hello's `capabilities.commands`, so a client only sends what
// the server advertises. Renaming, removing or retyping a field needs `v: 2`.
import { z } from 'zod';
import type { DisplayInfo } from '../frames/frame.js';
import { rectSchema, type Rect } from '../frames/rect.js';
import { ELEMENT_KINDS, type UiElement, type WordBox } from '../perception/element.js';
import type { MetricsSnapshot } from '../metrics.js';
import { FEATURES, TOPICS, type DeclaredType, type Topic } from './topics.js';

export const PROTOCOL_VERSION = 1;
/** The WebSocket subprotocol a browser offers (and the server echoes) to speak this version. */
export const SUBPROTOCOL = 'sightline.v1';
/** Subprotocol prefix that carries the token from a browser, which cannot set headers. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'token.';

const version = z.literal(PROTOCOL_VERSION);

// ---- Shared shapes (mirrors of src/frames/frame.ts and src/perception/element.ts) ----

const pixels = z.number().int();


export const displaySchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  x: pixels,
  y: pixels,
  width: pixels.positive(),
  height: pixels.positive(),
  scaleFactor: z.number().positive(),
  primary: z.boolean(),
});

export const wordBoxSchema = z.object({ text: z.string(), box: rectSchema, confidence: z.number() });

export const uiElementSchema = z.object({
  id: z.string(),
  kind: z.enum(ELEMENT_KINDS),
  text: z.string(),
  box: rectSchema,
  confidence: z.number(),
  words: z.array(wordBoxSchema),
  blockId: z.string(),
  order: z.number().int().nonnegative(),
  state: z.object({ checked: z.boolean().optional(), focused: z.boolean().optional(), disabled: z.boolean().optional() }).optional(),
});

const stageStatsSchema = z.object({ count: z.number(), lastMs: z.number(), p50Ms: z.number(), p95Ms: z.number() });

// ---- Server → client events ----

/**
 * Topics a client can subscribe to; each is also the `type` of the events it carries. Declared,
 * with how a slow client gets each, in topics.ts.
 */
export { FEATURES, TOPICS, type Topic };
export const topicSchema = z.enum(TOPICS);

/** Commands this version understands (hello advertises them in `capabilities.commands`). */
export const COMMANDS = ['subscribe', 'pause', 'resume', 'stop'] as const;
export type CommandType = (typeof COMMANDS)[number];

const commandId = z.union([z.string().min(1).max(128), z.number().int()]);
export type CommandId = z.infer<typeof commandId>;

export const helloEventSchema = z.object({
  v: version,
  type: z.literal('hello'),
  protocol: version,
  /** The sightline package version serving this connection. */
  server: z.string(),
  /** One id per server run; the same for every client of that run. */
  sessionId: z.string(),
  /** This connection's id, as it appears in server stats and logs. */
  clientId: z.string(),
  displays: z.array(displaySchema),
  capabilities: z.object({
    topics: z.array(z.string()),
    commands: z.array(z.string()),
    /** Optional features, e.g. "thumbnails". */
    features: z.array(z.string()),
  }),
  limits: z.object({
    maxPayloadBytes: z.number().int(),
    maxMessagesPerSecond: z.number(),
    messageBurst: z.number().int(),
  }),
});

/** A small JPEG preview, only for clients that subscribed with `thumbnails: true`. */
export const THUMBNAIL_PREFIX = 'data:image/jpeg;base64,';
export const MAX_THUMBNAIL_CHARS = 256 * 1024;

export const frameEventSchema = z.object({
  v: version,
  type: z.literal('frame'),
  seq: z.number().int().nonnegative(),
  /** Capture time, ms since the Unix epoch. */
  time: z.number(),
  displayId: z.string(),
  width: pixels.positive(),
  height: pixels.positive(),
  dirtyRects: z.array(rectSchema),
  thumbnail: z.string().startsWith(THUMBNAIL_PREFIX).max(MAX_THUMBNAIL_CHARS).optional(),
});

export const elementsEventSchema = z.object({
  v: version,
  type: z.literal('elements'),
  /** seq of the frame this element set was read from. */
  seq: z.number().int().nonnegative(),
  /** true: `added` is the whole set and replaces what the client holds; `removed`/`changed` are empty. */
  full: z.boolean(),
  added: z.array(uiElementSchema),
  removed: z.array(z.string()),
  changed: z.array(uiElementSchema),
});

/** Per-connection counters, as in `stats().clients[i]` (see ClientStats). */
export const clientCountersSchema = z.object({
  id: z.string(),
  sent: z.number().int(),
  dropped: z.number().int(),
  coalesced: z.number().int(),
  resyncs: z.number().int(),
  queued: z.number().int(),
  bufferedAmount: z.number().int(),
  rateLimited: z.number().int(),
});

export const serverCountersSchema = z.object({
  clients: z.number().int(),
  published: z.number().int(),
  sent: z.number().int(),
  dropped: z.number().int(),
  coalesced: z.number().int(),
});

export const metricsEventSchema = z.object({
  v: version,
  type: z.literal('metrics'),
  time: z.number(),
  stages: z.record(z.string(), stageStatsSchema),
  counters: z.record(z.string(), z.number()),
  server: serverCountersSchema,
  /** The receiving client's own counters. */
  client: clientCountersSchema,
});

export const ackEventSchema = z.object({
  v: version,
  type: z.literal('ack'),
  /** The `id` of the acknowledged command, when it had one. */
  id: commandId.optional(),
  command: z.string(),
});

/**
 * The codes the server itself answers a client's message with (docs/protocol.md "Error codes").
 * They follow the one error model (src/errors.ts): SCREAMING_SNAKE with an `ERR_` prefix, so a
 * runtime error published on the `error` topic carries its SightlineError code the same way.
 * Adding a code is not a breaking change.
 */
export const ERROR_CODES = [
  'ERR_INVALID_JSON',
  'ERR_NESTING_TOO_DEEP',
  'ERR_BINARY_NOT_SUPPORTED',
  'ERR_INVALID_MESSAGE',
  'ERR_UNSUPPORTED_VERSION',
  'ERR_UNKNOWN_COMMAND',
  'ERR_INVALID_COMMAND',
  'ERR_PAYLOAD_TOO_LARGE',
  'ERR_RATE_LIMITED',
  'ERR_RESYNC_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorCodeSchema = z.string().regex(/^ERR_[A-Z0-9_]+$/).max(64);

export const errorEventSchema = z.object({
  v: version,
  type: z.literal('error'),
  /** One of ERROR_CODES for a reply to this client's message; any `ERR_*` code for a runtime error. */
  code: errorCodeSchema,
  message: z.string(),
  /** What to do about it, when the error says. */
  hint: z.string().optional(),
  /** What the error is about: the offending command's `id` and/or the field path, e.g. "topics.1". */
  ref: z.object({ id: commandId.optional(), field: z.string().optional() }).optional(),
});

/**
 * Streamed model text. `seq` is the frame the generation looks at; `done: true` ends one
 * generation (its `text` may be empty).
 */
export const tokenEventSchema = z.object({
  v: version,
  type: z.literal('token'),
  seq: z.number().int().nonnegative(),
  text: z.string(),
  done: z.boolean(),
});

/**
 * A grounded action proposed on frame `seq`. `action` is an Action (DESIGN.md "Core contracts");
 * the protocol only guarantees its string `type`, so clients skip action types they do not know.
 */
export const actionEventSchema = z.object({
  v: version,
  type: z.literal('action'),
  seq: z.number().int().nonnegative(),
  action: z.looseObject({ type: z.string() }),
});

/** Live narration of the screen; `seq` is the frame it speaks about, when there is one. */
export const narrationEventSchema = z.object({
  v: version,
  type: z.literal('narration'),
  seq: z.number().int().nonnegative().optional(),
  text: z.string(),
});

/** An answer to a question; `seq` is the frame it was answered on, when there is one. */
export const answerEventSchema = z.object({
  v: version,
  type: z.literal('answer'),
  seq: z.number().int().nonnegative().optional(),
  text: z.string(),
});

/**
 * Every event this version sends. A client parsing with it should skip (not fail on) a message
 * whose `type` it does not know: later v1 servers add event types (docs/protocol.md "Versioning").
 */
export const serverEventSchema = z.discriminatedUnion('type', [
  helloEventSchema,
  frameEventSchema,
  elementsEventSchema,
  metricsEventSchema,
  tokenEventSchema,
  actionEventSchema,
  narrationEventSchema,
  answerEventSchema,
  ackEventSchema,
  errorEventSchema,
]);

export type HelloEvent = z.infer<typeof helloEventSchema>;
export type FrameEvent = z.infer<typeof frameEventSchema>;
export type ElementsEvent = z.infer<typeof elementsEventSchema>;
export type MetricsEvent = z.infer<typeof metricsEventSchema>;
export type AckEvent = z.infer<typeof ackEventSchema>;
export type ErrorEvent = z.infer<typeof errorEventSchema>;
export type TokenEvent = z.infer<typeof tokenEventSchema>;
export type ActionEvent = z.infer<typeof actionEventSchema>;
export type NarrationEvent = z.infer<typeof narrationEventSchema>;
export type AnswerEvent = z.infer<typeof answerEventSchema>;
export type ServerEvent = z.infer<typeof serverEventSchema>;
export type ClientCounters = z.infer<typeof clientCountersSchema>;
export type ServerCounters = z.infer<typeof serverCountersSchema>;

/**
 * What the pipeline hands to `publish()`: a topic event without `v` (the server stamps it); a
 * metrics event without the server/client counters (the server adds them per client at send time).
 */
export type PublishEvent =
  | Omit<FrameEvent, 'v'>
  | Omit<ElementsEvent, 'v'>
  | Omit<MetricsEvent, 'v' | 'server' | 'client'>
  | Omit<TokenEvent, 'v'>
  | Omit<ActionEvent, 'v'>
  | Omit<NarrationEvent, 'v'>
  | Omit<AnswerEvent, 'v'>
  | Omit<ErrorEvent, 'v' | 'ref'>;

// ---- Client → server commands ----

/** Fields every command may carry. Objects are strict: a misspelt field is reported, not ignored. */
const commandBase = { v: version, id: commandId.optional() };

export const subscribeCommandSchema = z.strictObject({
  ...commandBase,
  type: z.literal('subscribe'),
  /** Replaces the client's topic set; [] unsubscribes from everything. */
  topics: z.array(topicSchema).max(TOPICS.length),
  thumbnails: z.boolean().optional(),
});
export const pauseCommandSchema = z.strictObject({ ...commandBase, type: z.literal('pause') });
export const resumeCommandSchema = z.strictObject({ ...commandBase, type: z.literal('resume') });
export const stopCommandSchema = z.strictObject({ ...commandBase, type: z.literal('stop') });

/** One schema per command type; the parser looks the type up here, so adding a command is one entry. */
export const commandSchemas = {
  subscribe: subscribeCommandSchema,
  pause: pauseCommandSchema,
  resume: resumeCommandSchema,
  stop: stopCommandSchema,
} as const satisfies Record<CommandType, z.ZodType>;

export type SubscribeCommand = z.infer<typeof subscribeCommandSchema>;
export type PauseCommand = z.infer<typeof pauseCommandSchema>;
export type ResumeCommand = z.infer<typeof resumeCommandSchema>;
export type StopCommand = z.infer<typeof stopCommandSchema>;
export type ClientCommand = SubscribeCommand | PauseCommand | ResumeCommand | StopCommand;

// ---- The schemas must describe the in-process contracts exactly; these fail to compile on drift. ----

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type ProtocolMirrorsContracts = [
  Holds<Same<z.infer<typeof rectSchema>, Rect>>,
  Holds<Same<z.infer<typeof wordBoxSchema>, WordBox>>,
  Holds<Same<z.infer<typeof uiElementSchema>, UiElement>>,
  Holds<Same<Omit<z.infer<typeof displaySchema>, 'name'>, Omit<DisplayInfo, 'name'>>>,
  Holds<Same<Pick<MetricsEvent, 'time' | 'stages' | 'counters'>, MetricsSnapshot>>,
  // Every declared topic has an event schema, every event is a declared topic or a reply, and
  // every event type can be published.
  Holds<Same<DeclaredType, Exclude<ServerEvent['type'], 'hello' | 'ack'>>>,
  Holds<Same<PublishEvent['type'], DeclaredType>>,
];
