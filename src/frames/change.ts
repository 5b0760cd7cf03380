// Change detection (DESIGN.md "Never redo work whose input did not change"): an identical frame
// stops here; a changed one carries per-tile hashes and merged dirty rectangles.
//
// Cost model, measured in tools/bench/foundation.ts: the common case, an unchanged frame, is one
// native memcmp of the whole buffer (~1 ms at 1920x1080). A changed frame compares row by row
// (native), then tile by tile only on the rows that changed, and hashes only the dirty tiles;
// clean tiles keep their previous hash. Comparing bytes instead of hashes makes "dirty" exact:
// a one-pixel change dirties exactly its tile and no hash collision can hide a change.
import type { Frame, RawFrame } from './frame.js';
import { contains, type Rect } from './rect.js';

export const DEFAULT_TILE_SIZE = 32;

export class ChangeDetector {
  private previous: Frame | null = null;

  constructor(private readonly tileSize = DEFAULT_TILE_SIZE) {
    if (!Number.isInteger(tileSize) || tileSize < 8) throw new RangeError(`tileSize must be an integer ≥ 8, got ${tileSize}`);
  }

  /** Returns the frame with its change information, or null when it is identical to the previous one. */
  detect(raw: RawFrame): Frame | null {
    const prev = this.previous;
    if (prev && sameGeometry(prev, raw) && raw.data.equals(prev.data)) return null;
    const frame = prev && sameGeometry(prev, raw) ? this.diff(raw, prev) : this.first(raw);
    this.previous = frame;
    return frame;
  }

  /** Forgets the previous frame: the next one is treated as entirely new. */
  reset(): void {
    this.previous = null;
  }

  private first(raw: RawFrame): Frame {
    const grid = tileGrid(raw.width, raw.height, this.tileSize);
    const tileHashes = new Uint32Array(grid.columns * grid.rows);
    for (let ty = 0; ty < grid.rows; ty++) {
      for (let tx = 0; tx < grid.columns; tx++) tileHashes[ty * grid.columns + tx] = hashTile(raw, tx, ty, this.tileSize);
    }
    const whole = raw.width > 0 && raw.height > 0 ? [{ x: 0, y: 0, width: raw.width, height: raw.height }] : [];
    return this.finish(raw, grid, tileHashes, whole, null);
  }

  private diff(raw: RawFrame, prev: Frame): Frame {
    const size = this.tileSize;
    const grid = tileGrid(raw.width, raw.height, size);
    const stride = raw.width * 4;
    const tileHashes = Uint32Array.from(prev.tileHashes);
    const dirty = new Uint8Array(grid.columns * grid.rows);
    for (let ty = 0; ty < grid.rows; ty++) {
      const y0 = ty * size;
      const y1 = Math.min(y0 + size, raw.height);
      const changedRows: number[] = [];
      for (let y = y0; y < y1; y++) {
        const start = y * stride;
        if (raw.data.compare(prev.data, start, start + stride, start, start + stride) !== 0) changedRows.push(y);
      }
      if (changedRows.length === 0) continue;
      for (let tx = 0; tx < grid.columns; tx++) {
        const xStart = tx * size * 4;
        const xEnd = Math.min((tx + 1) * size, raw.width) * 4;
        const changed = changedRows.some((y) => {
          const row = y * stride;
          return raw.data.compare(prev.data, row + xStart, row + xEnd, row + xStart, row + xEnd) !== 0;
        });
        if (!changed) continue;
        const index = ty * grid.columns + tx;
        dirty[index] = 1;
        tileHashes[index] = hashTile(raw, tx, ty, size);
      }
    }
    return this.finish(raw, grid, tileHashes, mergeDirtyTiles(dirty, grid, size, raw.width, raw.height), prev.seq);
  }

  private finish(raw: RawFrame, grid: TileGrid, tileHashes: Uint32Array, dirtyRects: Rect[], previousSeq: number | null): Frame {
    return {
      ...raw,
      hash: frameHash(tileHashes, raw.width, raw.height),
      tileSize: this.tileSize,
      tileColumns: grid.columns,
      tileRows: grid.rows,
      tileHashes,
      dirtyRects,
      previousSeq,
    };
  }
}

interface TileGrid {
  columns: number;
  rows: number;
}

function tileGrid(width: number, height: number, size: number): TileGrid {
  return { columns: Math.ceil(width / size), rows: Math.ceil(height / size) };
}

function sameGeometry(a: RawFrame, b: RawFrame): boolean {
  return a.width === b.width && a.height === b.height && a.pixelFormat === b.pixelFormat && a.data.length === b.data.length;
}

/** FNV-1a over the tile's 32-bit pixels (Math.imul keeps it in int32 arithmetic). */
function hashTile(raw: RawFrame, tx: number, ty: number, size: number): number {
  const x0 = tx * size;
  const x1 = Math.min(x0 + size, raw.width);
  const y1 = Math.min((ty + 1) * size, raw.height);
  const words = new Uint32Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength >>> 2);
  let h = 0x811c9dc5;
  for (let y = ty * size; y < y1; y++) {
    const row = y * raw.width;
    for (let x = x0; x < x1; x++) h = Math.imul(h ^ words[row + x]!, 0x01000193);
  }
  return h >>> 0;
}

function frameHash(tileHashes: Uint32Array, width: number, height: number): string {
  let a = Math.imul(0x811c9dc5 ^ width, 0x01000193);
  let b = Math.imul(0x01000193 ^ height, 0x811c9dc5);
  for (let i = 0; i < tileHashes.length; i++) {
    a = Math.imul(a ^ tileHashes[i]!, 0x01000193);
    b = Math.imul(b ^ tileHashes[i]!, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * Merges dirty tiles into rectangles: the bounding box of each 4-connected group of dirty tiles,
 * clipped to the frame. Groups are found with a flood fill over the tile grid (at most a few
 * thousand tiles), so this is cheap next to the pixel work.
 */
export function mergeDirtyTiles(dirty: Uint8Array, grid: TileGrid, size: number, width: number, height: number): Rect[] {
  const seen = new Uint8Array(dirty.length);
  const rects: Rect[] = [];
  for (let start = 0; start < dirty.length; start++) {
    if (!dirty[start] || seen[start]) continue;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -1;
    let maxY = -1;
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const tx = i % grid.columns;
      const ty = (i - tx) / grid.columns;
      minX = Math.min(minX, tx);
      maxX = Math.max(maxX, tx);
      minY = Math.min(minY, ty);
      maxY = Math.max(maxY, ty);
      const neighbours = [tx > 0 ? i - 1 : -1, tx < grid.columns - 1 ? i + 1 : -1, ty > 0 ? i - grid.columns : -1, ty < grid.rows - 1 ? i + grid.columns : -1];
      for (const n of neighbours) {
        if (n >= 0 && dirty[n] && !seen[n]) {
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    const x = minX * size;
    const y = minY * size;
    rects.push({ x, y, width: Math.min((maxX + 1) * size, width) - x, height: Math.min((maxY + 1) * size, height) - y });
  }
  return rects;
}

/** Union of two frames' dirty rectangles, used when a stage skips a frame and must not lose its changes. */
export function mergeRectLists(a: readonly Rect[], b: readonly Rect[]): Rect[] {
  const out: Rect[] = [];
  for (const r of [...a, ...b]) {
    if (!out.some((o) => contains(o, r))) out.push(r);
  }
  return out.filter((r, i) => !out.some((o, j) => j !== i && contains(o, r) && (j < i || !contains(r, o))));
}
