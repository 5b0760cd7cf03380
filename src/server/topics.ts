// What each server event is for and how it reaches a client that reads slowly (docs/protocol.md
// "Topics" and "Backpressure"). The send queue, the client channel and the server apply these
// declarations without knowing what any topic means: adding a topic is one entry here plus its
// event schema in protocol.ts (which fails to compile until both exist).
import { ElementsMerge } from './elements-merge.js';
import type { ElementsEvent } from './protocol.js';

/** An event as it travels through the server: JSON-ready, with its `type`. */
export type WireEvent = { type: string } & Record<string, unknown>;

/** Folds events of one topic into one that takes a client from what it last received to the newest state. */
export interface Merger {
  apply(event: WireEvent): void;
  /** How much the merged event carries; past the queue's bound it is abandoned for a resync. */
  readonly size: number;
  toEvent(): WireEvent;
}

export type DeliveryPolicy =
  /** State: only the newest pending event is kept (one per `slotKey`), replaced ones count as dropped. */
  | { readonly kind: 'latest'; readonly slotKey?: (event: WireEvent) => string }
  /**
   * Diffs of a state: pending ones are merged (each merge counts as coalesced); a merge that grows
   * past the bound is replaced by a resync, i.e. the topic's full state from the subscribe snapshot.
   */
  | {
      readonly kind: 'merge';
      readonly begin: (first: WireEvent) => Merger;
      /** True for an event that replaces the whole state, so it can stand in for a pending resync. */
      readonly replacesState: (event: WireEvent) => boolean;
    }
  /**
   * A stream where each event matters: kept in order, at most `max` pending (default
   * `maxQueuedEvents`). Past it, `drop-oldest` discards the oldest (counted as dropped), `close`
   * closes the connection (1008): the client must reconnect rather than miss one silently.
   */
  | { readonly kind: 'fifo'; readonly max?: number; readonly overflow: 'drop-oldest' | 'close' };

export interface TopicDeclaration {
  /** `subscribers`: sent only to clients whose `subscribe` names the topic; `everyone`: to every client. */
  readonly audience: 'subscribers' | 'everyone';
  readonly policy: DeliveryPolicy;
  /** Fields sent only to clients that asked for a feature, field → feature (e.g. at `subscribe`). */
  readonly optInFields?: Readonly<Record<string, string>>;
  /**
   * The publisher sends each event twice, plain at once and with its opt-in fields when they are
   * ready: an event carrying an opt-in field goes only to the clients that opted in to all it
   * carries, a plain one only to the clients that did not opt in, so nobody gets both and a client
   * that did not ask never waits for the enrichment.
   */
  readonly enrichedSeparately?: boolean;
  /** The event carries the server's and the receiving client's counters, filled in at send time. */
  readonly receiverCounters?: boolean;
}

export const DELIVERY = {
  /** Frame metadata: a slow client wants the newest frame of each display, not a backlog. */
  frame: {
    audience: 'subscribers',
    policy: { kind: 'latest', slotKey: (event) => String(event.displayId) },
    optInFields: { thumbnail: 'thumbnails' },
    enrichedSeparately: true,
  },
  /** Element diffs: merged per client, so that a client which catches up holds exactly the newest set. */
  elements: {
    audience: 'subscribers',
    policy: {
      kind: 'merge',
      begin: (first) => new ElementsMerge(first as unknown as ElementsBody),
      replacesState: (event) => event.full === true,
    },
  },
  metrics: { audience: 'subscribers', policy: { kind: 'latest' }, receiverCounters: true },
  /** Streamed model text: a client this far behind has lost the live text anyway; it sees `dropped` grow. */
  token: { audience: 'subscribers', policy: { kind: 'fifo', max: 4096, overflow: 'drop-oldest' } },
  /** Proposed actions: an executor must never skip one silently, so overflow closes the connection. */
  action: { audience: 'subscribers', policy: { kind: 'fifo', max: 256, overflow: 'close' } },
  /** Results of submitted actions (pending, executed, refused...): an executor's client must see each. */
  action_result: { audience: 'subscribers', policy: { kind: 'fifo', max: 256, overflow: 'close' } },
  /** Live narration: stale speech is worth less than the newest. */
  narration: { audience: 'subscribers', policy: { kind: 'fifo', max: 64, overflow: 'drop-oldest' } },
  /** Answers to `ask`: the asker waits for each one, so losing one closes the connection instead. */
  answer: { audience: 'subscribers', policy: { kind: 'fifo', max: 64, overflow: 'close' } },
  /** Errors: replies to a client's bad message, and runtime errors published to everyone. */
  error: { audience: 'everyone', policy: { kind: 'fifo', overflow: 'drop-oldest' } },
} as const satisfies Record<string, TopicDeclaration>;

type ElementsBody = Omit<ElementsEvent, 'v'>;

/** Every event type declared here. */
export type DeclaredType = keyof typeof DELIVERY;
/** The topics a client may name in `subscribe`. */
export type Topic = { [K in DeclaredType]: (typeof DELIVERY)[K]['audience'] extends 'subscribers' ? K : never }[DeclaredType];

const declared = Object.keys(DELIVERY) as DeclaredType[];
export const TOPICS = declared.filter((type): type is Topic => DELIVERY[type].audience === 'subscribers') as [Topic, ...Topic[]];

/** Replies to one client (hello, ack): a FIFO of `maxQueuedEvents` that drops its oldest. */
export const REPLY_POLICY: DeliveryPolicy = { kind: 'fifo', overflow: 'drop-oldest' };

export function declarationOf(type: string): TopicDeclaration | undefined {
  return Object.hasOwn(DELIVERY, type) ? (DELIVERY as Record<string, TopicDeclaration>)[type] : undefined;
}

export function deliveryPolicy(type: string): DeliveryPolicy {
  return declarationOf(type)?.policy ?? REPLY_POLICY;
}

/** Every feature some topic's fields are gated on (announced in hello's `capabilities.features`). */
export const FEATURES = [...new Set(declared.flatMap((type) => Object.values((DELIVERY[type] as TopicDeclaration).optInFields ?? {})))];

/** The fields of `event` a client with these features must not receive, sorted (a cache key for variants). */
export function withheldFields(event: WireEvent, features: ReadonlySet<string>): string[] {
  const gates = declarationOf(event.type)?.optInFields;
  if (!gates) return [];
  return Object.keys(gates)
    .filter((field) => event[field] !== undefined && !features.has(gates[field]!))
    .sort();
}

export function without(event: WireEvent, fields: readonly string[]): WireEvent {
  if (fields.length === 0) return event;
  const copy: WireEvent = { ...event };
  for (const field of fields) delete copy[field];
  return copy;
}

/** Whether a published event goes to a client with these features (see `enrichedSeparately`). */
export function reaches(event: WireEvent, features: ReadonlySet<string>): boolean {
  const declaration = declarationOf(event.type);
  if (!declaration?.enrichedSeparately || !declaration.optInFields) return true;
  const gates = Object.entries(declaration.optInFields);
  const carried = gates.filter(([field]) => event[field] !== undefined);
  if (carried.length > 0) return carried.every(([, feature]) => features.has(feature));
  return !gates.some(([, feature]) => features.has(feature));
}
