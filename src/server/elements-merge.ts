// Folds several `elements` events into one, so a client that fell behind receives a single event
// that takes it from what it last received to the newest state (docs/protocol.md "Backpressure").
import type { UiElement } from '../perception/element.js';
import type { ElementsEvent } from './protocol.js';

type ElementsBody = Omit<ElementsEvent, 'v'>;

interface Upsert {
  element: UiElement;
  /** true: the client has never seen this id (goes out in `added`); false: it has an older version. */
  isNew: boolean;
}

export class ElementsMerge {
  private seq: number;
  private full: boolean;
  private readonly upserts = new Map<string, Upsert>();
  private readonly removed = new Set<string>();

  constructor(first: ElementsBody) {
    this.seq = first.seq;
    this.full = first.full;
    this.apply(first);
  }

  /** Number of ids the merged event carries; bounded by what the client knew plus what exists now. */
  get size(): number {
    return this.upserts.size + this.removed.size;
  }

  apply(event: ElementsBody): void {
    if (event.full) {
      this.full = true;
      this.upserts.clear();
      this.removed.clear();
    }
    this.seq = event.seq;
    for (const id of event.removed) {
      const known = this.upserts.get(id);
      this.upserts.delete(id);
      // An id added while the client was behind was never seen by it: its removal cancels out.
      if (!this.full && !known?.isNew) this.removed.add(id);
    }
    for (const element of event.added) {
      // Removed then re-added: the client still holds the old version, so it is a change.
      const wasRemoved = this.removed.delete(element.id);
      const known = this.upserts.get(element.id);
      this.upserts.set(element.id, { element, isNew: this.full || (known ? known.isNew : !wasRemoved) });
    }
    for (const element of event.changed) {
      const known = this.upserts.get(element.id);
      this.upserts.set(element.id, { element, isNew: this.full || (known?.isNew ?? false) });
    }
  }

  toEvent(): ElementsBody {
    const added: UiElement[] = [];
    const changed: UiElement[] = [];
    for (const { element, isNew } of this.upserts.values()) (isNew ? added : changed).push(element);
    added.sort((a, b) => a.order - b.order);
    changed.sort((a, b) => a.order - b.order);
    return { type: 'elements', seq: this.seq, full: this.full, added, removed: [...this.removed], changed };
  }
}
