// The op vocabulary the model builders compose (in the spirit of onnxruntime-genai's builder:
// one small helper per operation). Opset 18 semantics unless a com.microsoft op is named.
import { attr, type ElemType, type Graph } from './graph.js';
import { ONNX_DATA_TYPE } from './onnx-proto.js';

export const matmul = (g: Graph, a: string, b: string): string => g.op('MatMul', [a, b]);
export const add = (g: Graph, a: string, b: string): string => g.op('Add', [a, b]);
export const sub = (g: Graph, a: string, b: string): string => g.op('Sub', [a, b]);
export const mul = (g: Graph, a: string, b: string): string => g.op('Mul', [a, b]);
export const div = (g: Graph, a: string, b: string): string => g.op('Div', [a, b]);

/** Reshape to a fixed target; 0 copies the input dim and -1 infers one dim (ONNX Reshape). */
export function reshape(g: Graph, x: string, shape: number[]): string {
  return g.op('Reshape', [x, g.constInt64(shape, 'shape')]);
}

export function transpose(g: Graph, x: string, perm: number[]): string {
  return g.op('Transpose', [x], { perm: attr.ints(perm) });
}

export function softmax(g: Graph, x: string, axis: number): string {
  return g.op('Softmax', [x], { axis: attr.int(axis) });
}

/** LayerNorm over the last axis (ONNX LayerNormalization, opset 17+). */
export function layerNorm(g: Graph, x: string, scale: string, bias: string, eps: number): string {
  return g.op('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(eps) });
}

/** RMSNorm over the last axis: onnxruntime's SimplifiedLayerNormalization (registered in the default domain). */
export function rmsNorm(g: Graph, x: string, scale: string, eps: number): string {
  return g.op('SimplifiedLayerNormalization', [x, scale], { axis: attr.int(-1), epsilon: attr.float(eps) });
}

/** Exact (erf) GELU, as nn.GELU() (reference §2, §3, §4): com.microsoft Gelu is the erf form. */
export function gelu(g: Graph, x: string): string {
  return g.op('Gelu', [x], undefined, 'com.microsoft');
}

export function silu(g: Graph, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

export interface ConvOpts {
  kernel: number;
  stride?: number;
  pad?: number;
}

/** NCHW 2-D convolution with a square kernel and symmetric padding. */
export function conv2d(g: Graph, x: string, w: string, b: string | null, o: ConvOpts): string {
  const pad = o.pad ?? 0;
  const stride = o.stride ?? 1;
  return g.op('Conv', b === null ? [x, w] : [x, w, b], {
    kernel_shape: attr.ints([o.kernel, o.kernel]),
    strides: attr.ints([stride, stride]),
    pads: attr.ints([pad, pad, pad, pad]),
  });
}

export function concat(g: Graph, xs: string[], axis: number): string {
  return g.op('Concat', xs, { axis: attr.int(axis) });
}

export function slice(g: Graph, x: string, starts: number[], ends: number[], axes: number[]): string {
  return g.op('Slice', [x, g.constInt64(starts, 'starts'), g.constInt64(ends, 'ends'), g.constInt64(axes, 'axes')]);
}

export function gather(g: Graph, x: string, idx: string, axis: number): string {
  return g.op('Gather', [x, idx], { axis: attr.int(axis) });
}

export function cast(g: Graph, x: string, to: ElemType): string {
  return g.op('Cast', [x], { to: attr.int(ONNX_DATA_TYPE[to]) });
}

/**
 * Bilinear resize of the last two axes of an NCHW tensor to outH×outW with half-pixel centres
 * (PyTorch align_corners=False). `antialias` matches torchvision's antialiased tensor resize
 * (reference §1.2), which like PIL drops filter taps outside the image and renormalises the rest:
 * ONNX Resize (opset 18) needs exclude_outside=1 for that, otherwise onnxruntime clamps those taps
 * to the edge pixel and the outermost rows/columns move.
 */
export function resizeBilinear(g: Graph, x: string, outH: number, outW: number, o: { antialias?: boolean } = {}): string {
  const antialias = o.antialias === true;
  return g.op('Resize', [x, '', '', g.constInt64([outH, outW], 'sizes')], {
    mode: attr.str('linear'),
    coordinate_transformation_mode: attr.str('half_pixel'),
    axes: attr.ints([2, 3]),
    antialias: attr.int(antialias ? 1 : 0),
    ...(antialias ? { exclude_outside: attr.int(1) } : {}),
  });
}

/** Zero padding; `pads` is ONNX order [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
export function pad(g: Graph, x: string, pads: number[]): string {
  return g.op('Pad', [x, g.constInt64(pads, 'pads')], { mode: attr.str('constant') });
}

/** Splits along `axis` into pieces of the given sizes. */
export function split(g: Graph, x: string, sizes: number[], axis: number): string[] {
  return g.node('Split', [x, g.constInt64(sizes, 'split')], { outputs: sizes.length, attrs: { axis: attr.int(axis) } });
}

export function unsqueeze(g: Graph, x: string, axes: number[]): string {
  return g.op('Unsqueeze', [x, g.constInt64(axes, 'axes')]);
}

export function squeeze(g: Graph, x: string, axes: number[]): string {
  return g.op('Squeeze', [x, g.constInt64(axes, 'axes')]);
}
