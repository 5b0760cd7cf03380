// Serialises a Graph to an .onnx file (protobuf). Weights already sit in the external data file;
// here they are referenced by (location, offset, length) as the ONNX external-data spec describes.
import { basename, dirname, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ONNX_ATTR_TYPE, ONNX_DATA_TYPE, onnxType } from './onnx-proto.js';
import { tensorBytes, type Attr, type Dim, type Graph, type InitializerDef, type ValueInfo } from './graph.js';

export const PRODUCER_NAME = 'sightline-model-builder';
export const PRODUCER_VERSION = '0.1.0';

/** ONNX IR version that goes with the default-domain opset (onnx/docs/Versioning.md). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

export interface SaveOptions {
  opset?: number;
  msOpset?: number;
}

export function saveModel(g: Graph, onnxPath: string, opts: SaveOptions = {}): { bytes: number } {
  const opset = opts.opset ?? 18;
  const dataBytes = g.finishData();
  let location = '';
  if (g.externalDataFile !== undefined) {
    if (resolve(dirname(g.externalDataFile)) !== resolve(dirname(onnxPath))) {
      throw new Error(`external data file ${g.externalDataFile} must be in the same folder as ${onnxPath}`);
    }
    location = basename(g.externalDataFile);
  }
  const usesMs = g.nodes.some((n) => n.domain === 'com.microsoft');
  const model = {
    ir_version: irVersionFor(opset),
    producer_name: PRODUCER_NAME,
    producer_version: PRODUCER_VERSION,
    opset_import: [{ domain: '', version: opset }, ...(usesMs ? [{ domain: 'com.microsoft', version: opts.msOpset ?? 1 }] : [])],
    graph: {
      name: g.name,
      node: g.nodes.map((n) => ({
        name: n.name,
        op_type: n.op,
        domain: n.domain,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a)),
      })),
      initializer: g.initializers.map((t) => initializerProto(t, location)),
      input: g.inputs.map(valueInfoProto),
      output: g.outputs.map(valueInfoProto),
    },
  };
  const type = onnxType('ModelProto');
  const bytes = type.encode(type.fromObject(model)).finish();
  writeFileSync(onnxPath, bytes);
  return { bytes: bytes.byteLength + dataBytes };
}

function initializerProto(t: InitializerDef, location: string): object {
  const base = { name: t.name, dims: t.dims, data_type: ONNX_DATA_TYPE[t.dtype] };
  if (t.raw !== undefined) return { ...base, raw_data: t.raw };
  const ext = t.external!;
  return {
    ...base,
    data_location: 1,
    external_data: [
      { key: 'location', value: location },
      { key: 'offset', value: String(ext.offset) },
      { key: 'length', value: String(ext.length) },
    ],
  };
}

function attributeProto(name: string, a: Attr): object {
  switch (a.kind) {
    case 'int':
      return { name, type: ONNX_ATTR_TYPE.int, i: a.v };
    case 'float':
      return { name, type: ONNX_ATTR_TYPE.float, f: a.v };
    case 'ints':
      return { name, type: ONNX_ATTR_TYPE.ints, ints: a.v };
    case 'floats':
      return { name, type: ONNX_ATTR_TYPE.floats, floats: a.v };
    case 'string':
      return { name, type: ONNX_ATTR_TYPE.string, s: Buffer.from(a.v, 'utf8') };
    case 'tensor':
      return {
        name,
        type: ONNX_ATTR_TYPE.tensor,
        t: { dims: a.v.dims, data_type: ONNX_DATA_TYPE[a.v.dtype], raw_data: tensorBytes(a.v) },
      };
  }
}

function valueInfoProto(v: ValueInfo): object {
  return { name: v.name, type: { tensor_type: { elem_type: ONNX_DATA_TYPE[v.type], shape: { dim: v.shape.map(dimProto) } } } };
}

function dimProto(d: Dim): object {
  return typeof d === 'number' ? { dim_value: d } : { dim_param: d };
}
