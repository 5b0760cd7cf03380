// Incremental OCR: which parts of a changed frame to read again, and how the lines read there
// replace the old ones while keeping element ids stable.
import { area, contains, containsPoint, centre, intersects, intersection, iou, pad, union, type Rect } from '../frames/rect.js';
import type { UiElement } from '../perception/element.js';
import type { RawLine } from './reader.js';

export interface RegionOptions {
  /** Dirty rectangles grow by this much sideways (frame px at 1x) to catch the rest of a word... */
  marginX: number;
  /** ...and this much up and down, to catch glyphs that only partly changed. */
  marginY: number;
  /** Above this share of the frame, one full read is cheaper than many regions. */
  fullFrameShare: number;
}

export const DEFAULT_REGION_OPTIONS: RegionOptions = { marginX: 16, marginY: 8, fullFrameShare: 0.5 };

/**
 * The frame areas to detect again: each dirty rectangle, grown by a margin, then widened to the
 * full boxes of every known line it touches (a changed word re-reads its whole line), repeated
 * until no known line straddles an area's border; overlapping areas are merged.
 */
export function planRegions(dirty: readonly Rect[], known: readonly UiElement[], frame: Rect, scaleFactor = 1, opts: RegionOptions = DEFAULT_REGION_OPTIONS): Rect[] {
  const mx = Math.ceil(opts.marginX * scaleFactor);
  const my = Math.ceil(opts.marginY * scaleFactor);
  let regions = dirty
    .map((r) => intersection(pad(r, mx, my), frame))
    .filter((r): r is Rect => r !== null);
  for (let pass = 0; pass < 16; pass++) {
    let grew = false;
    regions = regions.map((region) => {
      let out = region;
      for (const el of known) {
        if (!intersects(out, el.box) || contains(out, el.box)) continue;
        out = union(out, el.box);
        grew = true;
      }
      return out;
    });
    const merged = mergeOverlapping(regions);
    if (!grew && merged.length === regions.length) break;
    regions = merged;
  }
  const covered = regions.reduce((s, r) => s + area(r), 0);
  return covered > area(frame) * opts.fullFrameShare ? [frame] : regions;
}

function mergeOverlapping(rects: readonly Rect[]): Rect[] {
  const out = [...rects];
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      if (intersects(out[i]!, out[j]!)) {
        out[i] = union(out[i]!, out[j]!);
        out.splice(j, 1);
        j = i;
      }
    }
  }
  return out;
}

/** Whether the box's centre lies in one of the regions: the lines a re-read of those regions replaces. */
export function centreInside(box: Rect, regions: readonly Rect[]): boolean {
  const c = centre(box);
  return regions.some((r) => containsPoint(r, c));
}

/** Same text and the same box within `tolerance` pixels on every edge. */
function sameLine(a: Pick<UiElement, 'text' | 'box'>, b: Pick<UiElement, 'text' | 'box'>, tolerance = 1): boolean {
  return (
    a.text === b.text &&
    Math.abs(a.box.x - b.box.x) <= tolerance &&
    Math.abs(a.box.y - b.box.y) <= tolerance &&
    Math.abs(a.box.x + a.box.width - (b.box.x + b.box.width)) <= tolerance &&
    Math.abs(a.box.y + a.box.height - (b.box.y + b.box.height)) <= tolerance
  );
}

export interface ReconcileOptions {
  /**
   * A new line takes the id of an old line it overlaps at least this much (IoU): an edited line's
   * box grows or shrinks with its text, so a third of shared area still means the same place.
   */
  minIou: number;
  /** Same text and every edge within this many frame pixels: the old element itself (crop detection jitters by 1–3 px). */
  tolerance: number;
  /** Whether an old element's box still holds the pixels it was read from. */
  unchangedPixels: (el: UiElement) => boolean;
}

/** `tolerance` is in frame pixels at 1x; OcrEngine scales it by the display's scale factor. */
export const DEFAULT_RECONCILE_OPTIONS: ReconcileOptions = { minIou: 0.3, tolerance: 2, unchangedPixels: () => false };

export interface Reconciled {
  /** Lines now present in the re-read areas, with their ids (reused or new). */
  current: UiElement[];
  added: UiElement[];
  changed: UiElement[];
  removed: string[];
}

/**
 * Matches the lines read in the re-read areas against the lines previously there: a new line
 * takes the id of the old line it overlaps most (IoU ≥ `minIou`), so an edited line keeps its id
 * and is reported as changed; a line with the same text and a box within `tolerance` pixels is
 * the old element itself, not reported at all — as is a line read with the same text whose old box
 * holds the same pixels as before (`unchangedPixels`): it was only re-read for being near a change, and
 * its box moved because detection on a crop jitters by a pixel or three.
 * blockId and order are filled in later by the layout pass.
 */
export function reconcile(old: readonly UiElement[], lines: readonly RawLine[], newId: () => string, options: Partial<ReconcileOptions> = {}): Reconciled {
  const { minIou, tolerance, unchangedPixels } = { ...DEFAULT_RECONCILE_OPTIONS, ...options };
  const pairs: { o: number; n: number; score: number }[] = [];
  old.forEach((el, o) =>
    lines.forEach((line, n) => {
      const score = iou(el.box, line.box) + (el.text === line.text ? 0.5 : 0);
      if (iou(el.box, line.box) >= minIou) pairs.push({ o, n, score });
    }),
  );
  pairs.sort((a, b) => b.score - a.score);
  const oldTaken = new Set<number>();
  const idFor = new Map<number, number>();
  for (const p of pairs) {
    if (oldTaken.has(p.o) || idFor.has(p.n)) continue;
    oldTaken.add(p.o);
    idFor.set(p.n, p.o);
  }
  const result: Reconciled = { current: [], added: [], changed: [], removed: [] };
  lines.forEach((line, n) => {
    const o = idFor.get(n);
    const prev = o === undefined ? undefined : old[o]!;
    if (prev && (sameLine(prev, line, tolerance) || (prev.text === line.text && unchangedPixels(prev)))) {
      // Read again but unchanged: the element stays exactly as it was, so consumers see no churn.
      result.current.push(prev);
      return;
    }
    const el: UiElement = {
      id: prev?.id ?? newId(),
      kind: 'text',
      text: line.text,
      box: line.box,
      confidence: line.confidence,
      words: line.words,
      blockId: prev?.blockId ?? '',
      order: prev?.order ?? 0,
    };
    result.current.push(el);
    if (!prev) result.added.push(el);
    else result.changed.push(el);
  });
  old.forEach((el, o) => {
    if (!oldTaken.has(o)) result.removed.push(el.id);
  });
  return result;
}
