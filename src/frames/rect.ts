// All box maths in one place (DESIGN.md "Layout"): the Rect type, its operations and its one zod
// schema, used by frames, OCR, grounding, the server's protocol and the tools. Rects are
// axis-aligned, in integer pixels, origin top-left; `x + width` is the first column outside.
import { z } from 'zod';

/** An axis-aligned rectangle in integer pixels, origin top-left. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const pixels = z.number().int();
/** The one schema for a Rect on the wire or on disk: integer pixels, size never negative. */
export const rectSchema = z.object({ x: pixels, y: pixels, width: pixels.nonnegative(), height: pixels.nonnegative() });

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export function intersection(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

export function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/** Smallest rect holding every rect of a non-empty list (min/max over all edges, so fractional boxes stay exact). */
export function unionAll(rects: readonly Rect[]): Rect {
  const x = Math.min(...rects.map((r) => r.x));
  const y = Math.min(...rects.map((r) => r.y));
  const right = Math.max(...rects.map((r) => r.x + r.width));
  const bottom = Math.max(...rects.map((r) => r.y + r.height));
  return { x, y, width: right - x, height: bottom - y };
}

export function area(r: Rect): number {
  return r.width * r.height;
}

/** Whether `inner` lies entirely inside `outer` (shared edges allowed). */
export function contains(outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/** Intersection over union: 1 for the same box, 0 for boxes that share no pixel. */
export function iou(a: Rect, b: Rect): number {
  const i = intersection(a, b);
  if (!i) return 0;
  const inter = area(i);
  return inter / (area(a) + area(b) - inter);
}

export interface Point {
  x: number;
  y: number;
}

export function centre(r: Rect): Point {
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}

/** Whether `p` lies on one of `r`'s pixels: x in [r.x, r.x + width), y likewise. */
export function containsPoint(r: Rect, p: Point): boolean {
  return p.x >= r.x && p.x < r.x + r.width && p.y >= r.y && p.y < r.y + r.height;
}

/**
 * Whether `p` lies on `r`, its edges included, or within `slack` of it: the tolerant test of where
 * a box's centre lands that the evaluation and the tests score with.
 */
export function pointNear(r: Rect, p: Point, slack = 0): boolean {
  return p.x >= r.x - slack && p.x <= r.x + r.width + slack && p.y >= r.y - slack && p.y <= r.y + r.height + slack;
}

/** `r` grown by `dx` on the left and right and `dy` above and below (negative margins shrink it). */
export function pad(r: Rect, dx: number, dy = dx): Rect {
  return { x: r.x - dx, y: r.y - dy, width: r.width + 2 * dx, height: r.height + 2 * dy };
}

/** The part of `r` inside `bounds`; never null: a rect outside `bounds` clamps to zero width or height. */
export function clampTo(r: Rect, bounds: Rect): Rect {
  const x = Math.max(r.x, bounds.x);
  const y = Math.max(r.y, bounds.y);
  return { x, y, width: Math.max(0, Math.min(r.x + r.width, bounds.x + bounds.width) - x), height: Math.max(0, Math.min(r.y + r.height, bounds.y + bounds.height) - y) };
}

/** The smallest rect on a `grid`-pixel lattice (origin at 0,0) that holds `r`. */
export function alignToGrid(r: Rect, grid: number): Rect {
  const x = Math.floor(r.x / grid) * grid;
  const y = Math.floor(r.y / grid) * grid;
  return { x, y, width: Math.ceil((r.x + r.width - x) / grid) * grid, height: Math.ceil((r.y + r.height - y) / grid) * grid };
}

/** The columns of `r` from fraction `from` to `to` of its width (clamped to [0, 1]), rounded outward, at least 1 px wide. */
export function horizontalSlice(r: Rect, from: number, to: number): Rect {
  const x0 = Math.floor(r.x + r.width * Math.max(0, from));
  const x1 = Math.ceil(r.x + r.width * Math.min(1, to));
  return { x: x0, y: r.y, width: Math.max(1, x1 - x0), height: r.height };
}

/** A capture region: a Rect with an origin inside its display and a visible size (each field checked, so errors name it). */
export const regionSchema = rectSchema.extend({ x: pixels.nonnegative(), y: pixels.nonnegative(), width: pixels.positive(), height: pixels.positive() });
