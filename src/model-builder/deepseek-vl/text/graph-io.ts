import type { Dim, ElemType, Graph } from '../../onnx/graph.js';

/** Exposes `value` as graph output `name` (an Identity, which onnxruntime folds away). */
export function namedOutput(g: Graph, value: string, name: string, type: ElemType, shape: Dim[]): void {
  g.node('Identity', [value], { outputs: [name] });
  g.output(name, type, shape);
}
