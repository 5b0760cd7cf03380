// SAM window attention plumbing (reference/deepseek-vl.md §2, `window_partition` / `window_unpartition`):
// the g×g token grid is zero-padded at the bottom/right to a multiple of the window (64 → 70), the
// padded tokens are NOT masked in attention, and the output is cropped back to g×g.
import * as ops from '../../onnx/ops.js';
import type { BuildContext } from '../../build-context.js';

export function paddedSide(grid: number, window: number): number {
  return Math.ceil(grid / window) * window;
}

/** x [N, g, g, d] → windows [N·n², w·w, d] with n = ceil(g / w). */
export function windowPartition(ctx: BuildContext, x: string, grid: number, window: number, dim: number): string {
  const g = ctx.graph;
  const side = paddedSide(grid, window);
  const n = side / window;
  const pad = side - grid;
  const padded = pad > 0 ? ops.pad(g, x, [0, 0, 0, 0, 0, pad, pad, 0]) : x;
  const split = ops.reshape(g, padded, [-1, n, window, n, window, dim]);
  return ops.reshape(g, ops.transpose(g, split, [0, 1, 3, 2, 4, 5]), [-1, window * window, dim]);
}

/** windows [N·n², w·w, d] → x [N, g, g, d]. */
export function windowUnpartition(ctx: BuildContext, windows: string, grid: number, window: number, dim: number): string {
  const g = ctx.graph;
  const side = paddedSide(grid, window);
  const n = side / window;
  const split = ops.reshape(g, windows, [-1, n, n, window, window, dim]);
  const full = ops.reshape(g, ops.transpose(g, split, [0, 1, 3, 2, 4, 5]), [-1, side, side, dim]);
  return side > grid ? ops.slice(g, full, [0, 0], [grid, grid], [1, 2]) : full;
}
