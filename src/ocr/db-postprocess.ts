// DB post-processing (Liao et al., "Real-time Scene Text Detection with Differentiable
// Binarization", AAAI 2020, §3.3; PaddleOCR ppocr/postprocess/db_postprocess.py): binarise the
// probability map, take each connected text kernel, score it by the mean probability inside its
// box, and grow ("unclip") the shrunk kernel back to the full text by D = A·r / L.
// Screen text is axis-aligned, so kernels become axis-aligned boxes (their bounding rectangles)
// instead of PaddleOCR's minimum-area rotated rectangles.
import { union, type Rect } from '../frames/rect.js';

export interface DbOptions {
  /** Probability above which a pixel is text (PaddleOCR det_db_thresh, 0.3). */
  binaryThreshold: number;
  /** Minimum mean probability inside a box (det_db_box_thresh, 0.6). */
  boxThreshold: number;
  /** Unclip ratio r (det_db_unclip_ratio, 1.5). */
  unclipRatio: number;
  /** Boxes whose short side is below this (probability-map px) are dropped (min_size, 3). */
  minSize: number;
}

export const DEFAULT_DB_OPTIONS: DbOptions = { binaryThreshold: 0.5, boxThreshold: 0.5, unclipRatio: 1.6, minSize: 3 };

/** A box on the probability map, in its pixels; x1/y1 exclusive, fractional after unclip. */
export interface DbBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  score: number;
}

/**
 * Labels 4-connected kernels of `prob > threshold` in one pass with union-find, then measures
 * each kernel's bounding box. Typed arrays only: a 1920x1088 map takes a few milliseconds.
 */
export function dbBoxes(prob: Float32Array, width: number, height: number, opts: DbOptions = DEFAULT_DB_OPTIONS): DbBox[] {
  const labels = new Int32Array(width * height);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  const t = opts.binaryThreshold;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (prob[i]! <= t) continue;
      const left = x > 0 ? labels[i - 1]! : 0;
      const up = y > 0 ? labels[i - width]! : 0;
      if (left === 0 && up === 0) {
        const l = parent.length;
        parent.push(l);
        labels[i] = l;
      } else if (left !== 0 && up !== 0) {
        const a = find(left);
        const b = find(up);
        labels[i] = a < b ? a : b;
        if (a !== b) parent[a < b ? b : a] = a < b ? a : b;
      } else {
        labels[i] = left || up;
      }
    }
  }
  const n = parent.length;
  const minX = new Int32Array(n).fill(width);
  const minY = new Int32Array(n).fill(height);
  const maxX = new Int32Array(n).fill(-1);
  const maxY = new Int32Array(n).fill(-1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const l = labels[row + x]!;
      if (l === 0) continue;
      const r = find(l);
      if (x < minX[r]!) minX[r] = x;
      if (x > maxX[r]!) maxX[r] = x;
      if (y < minY[r]!) minY[r] = y;
      if (y > maxY[r]!) maxY[r] = y;
    }
  }
  const boxes: DbBox[] = [];
  for (let r = 1; r < n; r++) {
    if (parent[r] !== r || maxX[r]! < 0) continue;
    const w = maxX[r]! - minX[r]! + 1;
    const h = maxY[r]! - minY[r]! + 1;
    if (Math.min(w, h) < opts.minSize) continue;
    const score = meanInside(prob, width, minX[r]!, minY[r]!, maxX[r]! + 1, maxY[r]! + 1);
    if (score < opts.boxThreshold) continue;
    boxes.push(unclip({ x0: minX[r]!, y0: minY[r]!, x1: maxX[r]! + 1, y1: maxY[r]! + 1, score }, opts.unclipRatio));
  }
  return boxes.filter((b) => Math.min(b.x1 - b.x0, b.y1 - b.y0) >= opts.minSize + 2);
}

/** PaddleOCR box_score_fast: the mean probability over the box. */
function meanInside(prob: Float32Array, width: number, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = x0; x < x1; x++) sum += prob[row + x]!;
  }
  return sum / ((x1 - x0) * (y1 - y0));
}

/** Offsets a rectangle outward by D = area·ratio / perimeter (DB §3.3, the inverse of the label shrink). */
export function unclip(box: DbBox, ratio: number): DbBox {
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const d = (w * h * ratio) / (2 * (w + h));
  return { x0: box.x0 - d, y0: box.y0 - d, x1: box.x1 + d, y1: box.y1 + d, score: box.score };
}

/**
 * Joins boxes that are pieces of one text line: they share most of their height and overlap or
 * nearly touch sideways (sharing three quarters of the shorter one's height: ribbon rows
 * a few pixels apart stay apart). DB sometimes breaks a line into overlapping kernels (at half scale on
 * 2x screens, words close together), and overlapping crops would read the shared glyphs twice.
 */
export function mergeLineFragments(boxes: readonly Rect[], maxGapRatio = 0.25): Rect[] {
  const out = boxes.map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i]!;
        const b = out[j]!;
        const minH = Math.min(a.height, b.height);
        const overlapY = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
        const gapX = Math.max(a.x, b.x) - Math.min(a.x + a.width, b.x + b.width);
        if (overlapY < 0.75 * minH || gapX > maxGapRatio * minH) continue;
        out[i] = union(a, b);
        out.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return out;
}
