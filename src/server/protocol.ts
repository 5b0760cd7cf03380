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
import { actionResultSchema, type ActionResult } from '../grounding/action.js';
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
export const COMMANDS = ['subscribe', 'pause', 'resume', 'stop', 'act', 'approve', 'reject', 'ask', 'cancel', 'goal', 'read', 'find'] as const;
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
  /** The `ask` / `goal` command's id (or the engine's own request id) this text answers. */
  requestId: z.string().optional(),
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
  requestId: z.string().optional(),
  /** How the generation ended: stop (EOS or a stop string), length, cancelled, error. */
  finish: z.enum(['stop', 'length', 'cancelled', 'error']).optional(),
  /** Model timings, when a model answered (ms; tokens/s). */
  timings: z
    .object({
      encodeMs: z.number(),
      encodeCached: z.boolean(),
      prefillMs: z.number(),
      firstTokenMs: z.number(),
      tokens: z.number().int(),
      tokensPerSecond: z.number(),
      totalMs: z.number(),
    })
    .optional(),
  /** Structured payload of non-model answers (`read`, `find`): elements in reading order. */
  elements: z.array(uiElementSchema).optional(),
});

/** The result of a submitted action: pending, executed (with where it landed), refused, rejected... */
export const actionResultEventSchema = z.object({
  v: version,
  type: z.literal('action_result'),
  result: actionResultSchema,
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
  actionResultEventSchema,
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
export type ActionResultEvent = z.infer<typeof actionResultEventSchema>;
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
  | Omit<ActionResultEvent, 'v'>
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
/** Stops the executor at once (input in flight pre-empted, held keys released); capture stops too unless `input: true`. */
export const stopCommandSchema = z.strictObject({ ...commandBase, type: z.literal('stop'), input: z.boolean().optional() });

/**
 * Submits an action to the executor: a structured Action (grounding/action.ts; validated there, so
 * its errors name the field) or model text in one of the parsers' syntaxes.
 */
export const actCommandSchema = z.strictObject({
  ...commandBase,
  type: z.literal('act'),
  action: z.looseObject({ type: z.string() }).optional(),
  text: z.string().min(1).max(65_536).optional(),
  /** Syntax of `text`: sightline (default), deepseek-vl2, ui-tars. */
  syntax: z.enum(['sightline', 'deepseek-vl2', 'ui-tars']).optional(),
  /** The frame the client decided on (the newest when absent). */
  seq: z.number().int().nonnegative().optional(),
});
export const approveCommandSchema = z.strictObject({ ...commandBase, type: z.literal('approve'), actionId: z.string().min(1).max(64) });
export const rejectCommandSchema = z.strictObject({
  ...commandBase,
  type: z.literal('reject'),
  actionId: z.string().min(1).max(64),
  reason: z.string().max(512).optional(),
});
/** A question about the current screen, answered on `token` (streamed) and `answer` with requestId = id. */
export const askCommandSchema = z.strictObject({
  ...commandBase,
  type: z.literal('ask'),
  question: z.string().min(1).max(8192),
  maxTokens: z.number().int().min(1).max(8192).optional(),
  temperature: z.number().min(0).max(2).optional(),
});
/** Cancels a running `ask` or `goal` by its command id (all of this client's when absent). */
export const cancelCommandSchema = z.strictObject({ ...commandBase, type: z.literal('cancel'), requestId: commandId.optional() });
/** Gives the ui-automation agent a goal; steps arrive as `action`/`action_result`, the end as `answer`. */
export const goalCommandSchema = z.strictObject({
  ...commandBase,
  type: z.literal('goal'),
  goal: z.string().min(1).max(8192),
  maxSteps: z.number().int().min(1).max(200).optional(),
});
/** Reads the screen (or a region of the frame) in reading order; answered on `answer` with `elements`. */
export const readCommandSchema = z.strictObject({ ...commandBase, type: z.literal('read'), region: rectSchema.optional() });
/** Finds elements by text and/or kind; answered on `answer` with `elements`. */
export const findCommandSchema = z.strictObject({
  ...commandBase,
  type: z.literal('find'),
  text: z.string().min(1).max(512).optional(),
  kind: z.enum(ELEMENT_KINDS).optional(),
});

/** One schema per command type; the parser looks the type up here, so adding a command is one entry. */
export const commandSchemas = {
  subscribe: subscribeCommandSchema,
  pause: pauseCommandSchema,
  resume: resumeCommandSchema,
  stop: stopCommandSchema,
  act: actCommandSchema,
  approve: approveCommandSchema,
  reject: rejectCommandSchema,
  ask: askCommandSchema,
  cancel: cancelCommandSchema,
  goal: goalCommandSchema,
  read: readCommandSchema,
  find: findCommandSchema,
} as const satisfies Record<CommandType, z.ZodType>;

export type SubscribeCommand = z.infer<typeof subscribeCommandSchema>;
export type PauseCommand = z.infer<typeof pauseCommandSchema>;
export type ResumeCommand = z.infer<typeof resumeCommandSchema>;
export type StopCommand = z.infer<typeof stopCommandSchema>;
export type ActCommand = z.infer<typeof actCommandSchema>;
export type ApproveCommand = z.infer<typeof approveCommandSchema>;
export type RejectCommand = z.infer<typeof rejectCommandSchema>;
export type AskCommand = z.infer<typeof askCommandSchema>;
export type CancelCommand = z.infer<typeof cancelCommandSchema>;
export type GoalCommand = z.infer<typeof goalCommandSchema>;
export type ReadCommand = z.infer<typeof readCommandSchema>;
export type FindCommand = z.infer<typeof findCommandSchema>;
export type ClientCommand = { [K in CommandType]: z.infer<(typeof commandSchemas)[K]> }[CommandType];

// ---- The schemas must describe the in-process contracts exactly; these fail to compile on drift. ----

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type ProtocolMirrorsContracts = [
  Holds<Same<z.infer<typeof rectSchema>, Rect>>,
  Holds<Same<z.infer<typeof actionResultSchema>, ActionResult>>,
  Holds<Same<z.infer<typeof wordBoxSchema>, WordBox>>,
  Holds<Same<z.infer<typeof uiElementSchema>, UiElement>>,
  Holds<Same<Omit<z.infer<typeof displaySchema>, 'name'>, Omit<DisplayInfo, 'name'>>>,
  Holds<Same<Pick<MetricsEvent, 'time' | 'stages' | 'counters'>, MetricsSnapshot>>,
  // Every declared topic has an event schema, every event is a declared topic or a reply, and
  // every event type can be published.
  Holds<Same<DeclaredType, Exclude<ServerEvent['type'], 'hello' | 'ack'>>>,
  Holds<Same<PublishEvent['type'], DeclaredType>>,
];
