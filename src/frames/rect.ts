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

/** A capture region: a Rect with an origin inside its display and a visible size (each field checked, so errors name it). */
export const regionSchema = rectSchema.extend({ x: pixels.nonnegative(), y: pixels.nonnegative(), width: pixels.positive(), height: pixels.positive() });
