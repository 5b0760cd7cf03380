// Image resizes used by the vision encoder, written from the PyTorch semantics quoted in §1.2 and §2.
import type { Chw } from './conv.js';

/** One output index's taps: first input index and normalised weights. */
interface Taps {
  start: number;
  weights: Float64Array;
}

/** `F.interpolate(mode="bilinear", align_corners=False)` taps along one axis (upsampling, no antialias). */
export function bilinearTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const taps: Taps[] = [];
  for (let i = 0; i < outSize; i++) {
    // Half-pixel source coordinate; torch clamps negatives to 0 for linear modes.
    const src = Math.max(scale * (i + 0.5) - 0.5, 0);
    const i0 = Math.floor(src);
    const lambda = src - i0;
    if (i0 >= inSize - 1) taps.push({ start: inSize - 1, weights: Float64Array.of(1) });
    else taps.push({ start: i0, weights: Float64Array.of(1 - lambda, lambda) });
  }
  return taps;
}

/**
 * Antialiased bilinear taps (torch `_upsample_bilinear2d_aa`, which torchvision's tensor `Resize(antialias=True)`
 * calls): a triangle filter stretched by the downscale factor, support = scale, weights normalised to sum 1.
 */
export function antialiasedBilinearTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const support = scale >= 1 ? scale : 1;
  const invScale = scale >= 1 ? 1 / scale : 1;
  const taps: Taps[] = [];
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    const weights = new Float64Array(xmax - xmin);
    let total = 0;
    for (let j = 0; j < weights.length; j++) {
      const w = Math.max(0, 1 - Math.abs((j + xmin - center + 0.5) * invScale));
      weights[j] = w;
      total += w;
    }
    for (let j = 0; j < weights.length; j++) weights[j] = total === 0 ? 0 : weights[j]! / total;
    taps.push({ start: xmin, weights });
  }
  return taps;
}

/** Separable resize of every channel: horizontal pass, then vertical (the order torch and PIL use). */
export function resizeSeparable(x: Chw, outH: number, outW: number, tapsFor: (inSize: number, outSize: number) => Taps[]): Chw {
  const tx = tapsFor(x.w, outW);
  const ty = tapsFor(x.h, outH);
  const out = new Float32Array(x.c * outH * outW);
  const rowBuf = new Float64Array(x.h * outW);
  for (let c = 0; c < x.c; c++) {
    const base = c * x.h * x.w;
    for (let y = 0; y < x.h; y++) {
      for (let ox = 0; ox < outW; ox++) {
        const t = tx[ox]!;
        let s = 0;
        for (let j = 0; j < t.weights.length; j++) s += t.weights[j]! * x.data[base + y * x.w + t.start + j]!;
        rowBuf[y * outW + ox] = s;
      }
    }
    for (let oy = 0; oy < outH; oy++) {
      const t = ty[oy]!;
      for (let ox = 0; ox < outW; ox++) {
        let s = 0;
        for (let j = 0; j < t.weights.length; j++) s += t.weights[j]! * rowBuf[(t.start + j) * outW + ox]!;
        out[(c * outH + oy) * outW + ox] = s;
      }
    }
  }
  return { c: x.c, h: outH, w: outW, data: out };
}

export function bilinearResize(x: Chw, outH: number, outW: number): Chw {
  return resizeSeparable(x, outH, outW, bilinearTaps);
}

export function antialiasedBilinearResize(x: Chw, outH: number, outW: number): Chw {
  return resizeSeparable(x, outH, outW, antialiasedBilinearTaps);
}
