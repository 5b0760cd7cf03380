// The events waiting for one client whose socket is full. Bounded by construction: state-like
// topics keep one slot each (the newest frame per display, the newest metrics, one merged elements
// diff), and every other event goes into a FIFO of fixed length that drops its oldest entry.
import { ElementsMerge } from './elements-merge.js';
import type { ElementsEvent } from './protocol.js';

/**
 * One event on its way out. Shared by every client it goes to, so it is serialised at most once
 * (publish stays O(clients) however many clients there are).
 */
export class Outbound {
  private cached: string | undefined;
  constructor(readonly event: { type: string } & Record<string, unknown>) {}
  get text(): string {
    return (this.cached ??= JSON.stringify(this.event));
  }
}

export type QueueItem =
  | { kind: 'event'; out: Outbound }
  | { kind: 'elements'; merge: ElementsMerge }
  /** The merged elements diff grew past its cap; the client needs the full set instead. */
  | { kind: 'resync' };

type ElementsBody = Omit<ElementsEvent, 'v'>;

interface Slot {
  key: string | null;
  item: QueueItem;
}

export interface SendQueueLimits {
  /** Length of the FIFO for events that cannot be coalesced (acks, errors, future token events). */
  maxQueuedEvents: number;
  /** Ids a merged elements diff may carry before it is replaced by a full resync. */
  maxPendingElements: number;
}

export class SendQueue {
  private readonly slots: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  private fifoLength = 0;
  /** Events discarded: replaced by a newer frame/metrics, or pushed out of the FIFO. */
  dropped = 0;
  /** elements events folded into a pending one. */
  coalesced = 0;
  /** Times the pending elements diff was abandoned for a full resync. */
  resyncs = 0;

  constructor(private readonly limits: SendQueueLimits) {}

  get length(): number {
    return this.slots.length;
  }

  push(out: Outbound): void {
    const key = coalesceKey(out);
    const slot = key === null ? undefined : this.byKey.get(key);
    if (!slot) return this.append(key, { kind: 'event', out });
    if (out.event.type === 'elements') return this.mergeElements(slot, out.event as unknown as ElementsBody);
    slot.item = { kind: 'event', out }; // newest wins, in the place of the one it replaces
    this.dropped += 1;
  }

  shift(): QueueItem | undefined {
    const slot = this.slots.shift();
    if (!slot) return undefined;
    if (slot.key === null) this.fifoLength -= 1;
    else this.byKey.delete(slot.key);
    return slot.item;
  }

  private append(key: string | null, item: QueueItem): void {
    const slot = { key, item };
    this.slots.push(slot);
    if (key !== null) {
      this.byKey.set(key, slot);
      return;
    }
    this.fifoLength += 1;
    if (this.fifoLength > this.limits.maxQueuedEvents) {
      this.slots.splice(this.slots.findIndex((s) => s.key === null), 1);
      this.fifoLength -= 1;
      this.dropped += 1;
    }
  }

  private mergeElements(slot: Slot, event: ElementsBody): void {
    this.coalesced += 1;
    const { item } = slot;
    let merge: ElementsMerge;
    if (item.kind === 'elements') {
      merge = item.merge;
      merge.apply(event);
    } else if (item.kind === 'event') {
      merge = new ElementsMerge(item.out.event as unknown as ElementsBody);
      merge.apply(event);
    } else if (event.full) {
      merge = new ElementsMerge(event); // a full set arrived while a resync was pending: it is the resync
    } else {
      return; // the pending resync will carry this change too
    }
    if (merge.size > this.limits.maxPendingElements) {
      slot.item = { kind: 'resync' };
      this.resyncs += 1;
      return;
    }
    slot.item = { kind: 'elements', merge };
  }
}

function coalesceKey(out: Outbound): string | null {
  const { event } = out;
  if (event.type === 'frame') return `frame:${String(event.displayId)}`;
  if (event.type === 'metrics' || event.type === 'elements') return event.type;
  return null;
}
