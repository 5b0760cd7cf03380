// The events waiting for one client whose socket is full. Bounded by construction: each event's
// delivery policy (topics.ts) says what happens to it — `latest` keeps one slot per key, `merge`
// folds into one slot (or a resync marker), `fifo` keeps at most its bound per event type.
import { deliveryPolicy, type DeliveryPolicy, type Merger, type WireEvent } from './topics.js';

/**
 * One event on its way out. Shared by every client it goes to, so it is serialised at most once
 * (publish stays O(clients) however many clients there are).
 */
export class Outbound {
  private cached: string | undefined;
  constructor(readonly event: WireEvent) {}
  get text(): string {
    return (this.cached ??= JSON.stringify(this.event));
  }
}

export type QueueItem =
  | { kind: 'event'; out: Outbound }
  | { kind: 'merged'; merger: Merger }
  /** The merged events of `topic` grew past the bound; the client needs the topic's full state instead. */
  | { kind: 'resync'; topic: string };

interface Slot {
  /** Slot key of a `latest` or `merge` event; null for a FIFO entry. */
  key: string | null;
  type: string;
  item: QueueItem;
}

export interface SendQueueLimits {
  /** Bound of a FIFO whose policy names none (replies, errors). */
  maxQueuedEvents: number;
  /** Size a merged event may reach before it is replaced by a resync. */
  maxMergeSize: number;
}

/** `overflow`: a `fifo` event with `overflow: 'close'` found its FIFO full; it was not queued. */
export type PushResult = 'queued' | 'overflow';

export class SendQueue {
  private readonly slots: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  private readonly fifoLengths = new Map<string, number>();
  /** Events discarded: replaced by a newer `latest` one, or pushed out of (or refused by) a FIFO. */
  dropped = 0;
  /** Events folded into a pending merged one. */
  coalesced = 0;
  /** Times a pending merge was abandoned for a resync. */
  resyncs = 0;

  constructor(
    private readonly limits: SendQueueLimits,
    private readonly policyOf: (type: string) => DeliveryPolicy = deliveryPolicy,
  ) {}

  get length(): number {
    return this.slots.length;
  }

  push(out: Outbound): PushResult {
    const { type } = out.event;
    const policy = this.policyOf(type);
    switch (policy.kind) {
      case 'latest': {
        const key = `${type}\u0000${policy.slotKey?.(out.event) ?? ''}`;
        const slot = this.byKey.get(key);
        if (!slot) return this.append(key, type, { kind: 'event', out });
        slot.item = { kind: 'event', out }; // newest wins, in the place of the one it replaces
        this.dropped += 1;
        return 'queued';
      }
      case 'merge': {
        const slot = this.byKey.get(type);
        if (!slot) return this.append(type, type, { kind: 'event', out });
        this.merge(slot, policy, out.event);
        return 'queued';
      }
      case 'fifo':
        return this.pushFifo(type, policy, out);
    }
  }

  shift(): QueueItem | undefined {
    const slot = this.slots.shift();
    if (!slot) return undefined;
    this.forget(slot);
    return slot.item;
  }

  private append(key: string | null, type: string, item: QueueItem): PushResult {
    const slot = { key, type, item };
    this.slots.push(slot);
    if (key === null) this.fifoLengths.set(type, (this.fifoLengths.get(type) ?? 0) + 1);
    else this.byKey.set(key, slot);
    return 'queued';
  }

  private forget(slot: Slot): void {
    if (slot.key === null) this.fifoLengths.set(slot.type, this.fifoLengths.get(slot.type)! - 1);
    else this.byKey.delete(slot.key);
  }

  private pushFifo(type: string, policy: Extract<DeliveryPolicy, { kind: 'fifo' }>, out: Outbound): PushResult {
    const max = policy.max ?? this.limits.maxQueuedEvents;
    if ((this.fifoLengths.get(type) ?? 0) >= max) {
      this.dropped += 1;
      if (policy.overflow === 'close') return 'overflow';
      const oldest = this.slots.findIndex((s) => s.key === null && s.type === type);
      this.forget(this.slots.splice(oldest, 1)[0]!);
    }
    return this.append(null, type, { kind: 'event', out });
  }

  private merge(slot: Slot, policy: Extract<DeliveryPolicy, { kind: 'merge' }>, event: WireEvent): void {
    this.coalesced += 1;
    const { item } = slot;
    let merger: Merger;
    if (item.kind === 'merged') {
      merger = item.merger;
      merger.apply(event);
    } else if (item.kind === 'event') {
      merger = policy.begin(item.out.event);
      merger.apply(event);
    } else if (policy.replacesState(event)) {
      merger = policy.begin(event); // the whole state arrived while a resync was pending: it is the resync
    } else {
      return; // the pending resync will carry this change too
    }
    if (merger.size > this.limits.maxMergeSize) {
      slot.item = { kind: 'resync', topic: slot.type };
      this.resyncs += 1;
      return;
    }
    slot.item = { kind: 'merged', merger };
  }
}
