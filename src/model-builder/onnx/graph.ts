// An ONNX graph under construction. Weights are written to the external data file the moment they
// are added, so building a 15 GB model holds at most one tensor in memory (the ONNX protobuf itself
// must stay under 2 GB, which external data guarantees).
import { closeSync, openSync, writeSync } from 'node:fs';

export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';
/** A number is a fixed dim; a string is a symbolic dim. */
export type Dim = number | string;

export interface TensorData {
  dtype: ElemType;
  dims: number[];
  /** float16 is passed as its raw bits in a Uint16Array; bool as a Uint8Array of 0/1. */
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;
}

export type Attr =
  | { kind: 'int'; v: number }
  | { kind: 'float'; v: number }
  | { kind: 'ints'; v: number[] }
  | { kind: 'floats'; v: number[] }
  | { kind: 'string'; v: string }
  | { kind: 'tensor'; v: TensorData };

export const attr = {
  int: (v: number): Attr => ({ kind: 'int', v }),
  float: (v: number): Attr => ({ kind: 'float', v }),
  ints: (v: number[]): Attr => ({ kind: 'ints', v }),
  floats: (v: number[]): Attr => ({ kind: 'floats', v }),
  str: (v: string): Attr => ({ kind: 'string', v }),
  tensor: (v: TensorData): Attr => ({ kind: 'tensor', v }),
};

export const ELEM_BYTES: Record<ElemType, number> = {
  float32: 4,
  float16: 2,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export interface ValueInfo {
  name: string;
  type: ElemType;
  shape: Dim[];
}

export interface NodeDef {
  name: string;
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

/** An initializer either kept inline (`raw`) or already written to the external data file. */
export interface InitializerDef {
  name: string;
  dtype: ElemType;
  dims: number[];
  raw?: Uint8Array;
  external?: { offset: number; length: number };
}

/** Tensors smaller than this stay inside the .onnx file; larger ones go to the external data file. */
const INLINE_LIMIT_BYTES = 1024;
/** Large tensors start on a page boundary so onnxruntime can map them straight from the file. */
const PAGE_ALIGN = 4096;
const SMALL_ALIGN = 64;

export function tensorBytes(t: TensorData): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

export function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export class Graph {
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  readonly nodes: NodeDef[] = [];
  readonly initializers: InitializerDef[] = [];
  readonly externalDataFile: string | undefined;
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private scopePrefix = '';
  private dataFd: number | null = null;
  private dataBytes = 0;

  constructor(
    readonly name: string,
    opts: { externalDataFile?: string } = {},
  ) {
    this.externalDataFile = opts.externalDataFile;
  }

  input(name: string, type: ElemType, shape: Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, type, shape });
    return name;
  }

  output(value: string, type: ElemType, shape: Dim[]): void {
    this.outputs.push({ name: value, type, shape });
  }

  /** Weight initializer; large tensors are appended to the external data file immediately. */
  initializer(name: string, t: TensorData): string {
    const expected = elementCount(t.dims) * ELEM_BYTES[t.dtype];
    if (t.data.byteLength !== expected) {
      throw new Error(`initializer ${name}: dims [${t.dims}] need ${expected} bytes of ${t.dtype}, got ${t.data.byteLength}`);
    }
    return this.streamInitializer(name, t.dtype, t.dims, (write) => write(tensorBytes(t)));
  }

  /**
   * Initializer whose bytes are produced in chunks by `produce` (e.g. a transposed or converted
   * weight), so the converted copy never has to exist in memory all at once.
   */
  streamInitializer(name: string, dtype: ElemType, dims: number[], produce: (write: (chunk: Uint8Array) => void) => void): string {
    this.claim(name);
    const length = elementCount(dims) * ELEM_BYTES[dtype];
    if (this.externalDataFile === undefined || length < INLINE_LIMIT_BYTES) {
      const raw = new Uint8Array(length);
      let at = 0;
      produce((chunk) => {
        raw.set(chunk, at);
        at += chunk.byteLength;
      });
      this.checkLength(name, at, length);
      this.initializers.push({ name, dtype, dims: [...dims], raw });
      return name;
    }
    const offset = this.alignData(length >= 1 << 20 ? PAGE_ALIGN : SMALL_ALIGN);
    const fd = this.openData();
    let written = 0;
    produce((chunk) => {
      writeSync(fd, chunk, 0, chunk.byteLength, offset + written);
      written += chunk.byteLength;
    });
    this.checkLength(name, written, length);
    this.dataBytes = offset + length;
    this.initializers.push({ name, dtype, dims: [...dims], external: { offset, length } });
    return name;
  }

  /** Small constant (shapes, scalars); auto-named. */
  constant(t: TensorData, hint = 'const'): string {
    const name = this.fresh(hint);
    this.names.delete(name);
    return this.initializer(name, t);
  }

  /** 1-D int64 constant. */
  constInt64(values: number[], hint = 'ints'): string {
    return this.constant({ dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) }, hint);
  }

  /** float32 constant: a scalar when given a number, 1-D when given an array. */
  constFloat(values: number[] | number, hint = 'float'): string {
    const dims = typeof values === 'number' ? [] : [values.length];
    const data = typeof values === 'number' ? Float32Array.of(values) : Float32Array.from(values);
    return this.constant({ dtype: 'float32', dims, data }, hint);
  }

  /** Adds a node; returns its output value names (auto-unique, prefixed by the current scope). */
  node(
    op: string,
    inputs: string[],
    opts: { outputs?: number | string[]; attrs?: Record<string, Attr>; domain?: '' | 'com.microsoft' } = {},
  ): string[] {
    const nodeName = this.fresh(op);
    const spec = opts.outputs ?? 1;
    const outputs = typeof spec === 'number' ? Array.from({ length: spec }, (_, i) => (spec === 1 ? nodeName : `${nodeName}:${i}`)) : spec;
    for (const o of outputs) if (o !== '' && o !== nodeName) this.claim(o);
    this.nodes.push({ name: nodeName, op, domain: opts.domain ?? '', inputs, outputs, attrs: opts.attrs ?? {} });
    return outputs;
  }

  /** Single-output shorthand for `node`. */
  op(op: string, inputs: string[], attrs?: Record<string, Attr>, domain?: '' | 'com.microsoft'): string {
    return this.node(op, inputs, { attrs, domain })[0]!;
  }

  /** Names created inside `fn` are prefixed, e.g. scope('siglip.blocks.3', ...). */
  scope<T>(prefix: string, fn: () => T): T {
    const saved = this.scopePrefix;
    this.scopePrefix = saved === '' ? prefix : `${saved}/${prefix}`;
    try {
      return fn();
    } finally {
      this.scopePrefix = saved;
    }
  }

  /** Closes the external data file; returns its size in bytes (0 when nothing went there). */
  finishData(): number {
    if (this.dataFd !== null) {
      closeSync(this.dataFd);
      this.dataFd = null;
    }
    return this.dataBytes;
  }

  private fresh(base: string): string {
    const stem = this.scopePrefix === '' ? base : `${this.scopePrefix}/${base}`;
    let n = this.counters.get(stem) ?? 0;
    let name = `${stem}_${n}`;
    while (this.names.has(name)) name = `${stem}_${++n}`;
    this.counters.set(stem, n + 1);
    this.names.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: value name "${name}" is used twice`);
    this.names.add(name);
  }

  private checkLength(name: string, got: number, want: number): void {
    if (got !== want) throw new Error(`initializer ${name}: produced ${got} bytes, expected ${want}`);
  }

  private openData(): number {
    this.dataFd ??= openSync(this.externalDataFile!, 'w');
    return this.dataFd;
  }

  private alignData(align: number): number {
    return Math.ceil(this.dataBytes / align) * align;
  }
}
