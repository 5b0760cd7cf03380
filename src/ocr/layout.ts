// Reading order and blocks for a screen's text lines, by recursive XY-cut (Nagy & Seth, 1984):
// split the lines at the widest empty horizontal band, else the widest empty vertical gap, and
// recurse; what cannot be split is one block (a paragraph, a toolbar group, a column of cells).
// Gaps count only when wider than a fraction of the typical line height, so the normal spacing
// between a paragraph's lines or a line's words does not split it.
import type { Rect } from '../frames/rect.js';

export interface LayoutResult {
  /** Indices into the input, in reading order. */
  order: number[];
  /** Block index per input line; blocks are numbered in reading order. */
  block: number[];
}

export interface LayoutOptions {
  /** A horizontal gap splits blocks when taller than this many line heights. */
  rowGap: number;
  /** A vertical gap splits blocks when wider than this many line heights. */
  columnGap: number;
}

const DEFAULTS: LayoutOptions = { rowGap: 0.6, columnGap: 1.5 };

export function layoutLines(boxes: readonly Rect[], opts: LayoutOptions = DEFAULTS): LayoutResult {
  const heights = boxes.map((b) => b.height).sort((a, b) => a - b);
  const lineHeight = heights.length > 0 ? heights[heights.length >> 1]! : 1;
  const blocks: number[][] = [];
  cut(boxes.map((_, i) => i), boxes, lineHeight, opts, blocks);
  const order: number[] = [];
  const block = new Array<number>(boxes.length).fill(0);
  blocks.forEach((members, b) => {
    for (const i of sortRows(members, boxes)) {
      order.push(i);
      block[i] = b;
    }
  });
  return { order, block };
}

function cut(members: number[], boxes: readonly Rect[], lineHeight: number, opts: LayoutOptions, out: number[][]): void {
  if (members.length <= 1) {
    if (members.length === 1) out.push(members);
    return;
  }
  const rows = split(members, boxes, 'y', lineHeight * opts.rowGap);
  if (rows.length > 1) {
    for (const part of rows) cut(part, boxes, lineHeight, opts, out);
    return;
  }
  const columns = split(members, boxes, 'x', lineHeight * opts.columnGap);
  if (columns.length > 1) {
    for (const part of columns) cut(part, boxes, lineHeight, opts, out);
    return;
  }
  out.push(members);
}

/** Groups members by the projection of their boxes on one axis, cutting at gaps wider than `minGap`. */
function split(members: number[], boxes: readonly Rect[], axis: 'x' | 'y', minGap: number): number[][] {
  const start = (i: number): number => (axis === 'x' ? boxes[i]!.x : boxes[i]!.y);
  const end = (i: number): number => (axis === 'x' ? boxes[i]!.x + boxes[i]!.width : boxes[i]!.y + boxes[i]!.height);
  const sorted = [...members].sort((a, b) => start(a) - start(b));
  const groups: number[][] = [];
  let current: number[] = [];
  let reach = -Infinity;
  for (const i of sorted) {
    if (current.length > 0 && start(i) - reach > minGap) {
      groups.push(current);
      current = [];
    }
    current.push(i);
    reach = Math.max(reach, end(i));
  }
  groups.push(current);
  return groups;
}

/** Within a block: top to bottom, and left to right among lines that share a row. */
function sortRows(members: number[], boxes: readonly Rect[]): number[] {
  const byTop = [...members].sort((a, b) => boxes[a]!.y - boxes[b]!.y);
  const rows: number[][] = [];
  for (const i of byTop) {
    const b = boxes[i]!;
    const row = rows[rows.length - 1];
    const ref = row ? boxes[row[0]!]! : null;
    if (ref && b.y + b.height / 2 < ref.y + ref.height) row!.push(i);
    else rows.push([i]);
  }
  return rows.flatMap((row) => row.sort((a, b) => boxes[a]!.x - boxes[b]!.x));
}
