// Rotary position embedding (RoPE, reference §5: θ from config, no scaling, HF rotate_half layout).
// com.microsoft RotaryEmbedding with interleaved=0 rotates the pairs (i, i + head_dim/2), which is
// exactly HF's rotate_half; it reads the positions from `position_ids`, so left padding or any
// position scheme the runtime chooses is honoured (GQA's built-in rotary would derive them itself).
import { attr, type Graph } from '../../onnx/graph.js';

export interface RotaryCaches {
  cos: string;
  sin: string;
}

/** cos/sin tables [maxPositions, headDim/2] for angle(p, i) = p · θ^(−2i/headDim), computed in float64. */
export function addRotaryCaches(g: Graph, headDim: number, theta: number, maxPositions: number): RotaryCaches {
  const half = headDim / 2;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let i = 0; i < half; i++) {
    const invFreq = 1 / Math.pow(theta, (2 * i) / headDim);
    for (let p = 0; p < maxPositions; p++) {
      cos[p * half + i] = Math.cos(p * invFreq);
      sin[p * half + i] = Math.sin(p * invFreq);
    }
  }
  return {
    cos: g.initializer('rotary.cos_cache', { dtype: 'float32', dims: [maxPositions, half], data: cos }),
    sin: g.initializer('rotary.sin_cache', { dtype: 'float32', dims: [maxPositions, half], data: sin }),
  };
}

/** Rotates x [B, T, heads·headDim] at `positionIds` [B, T]. */
export function applyRotary(g: Graph, x: string, positionIds: string, caches: RotaryCaches, heads: number): string {
  return g.op('RotaryEmbedding', [x, positionIds, caches.cos, caches.sin],
    { interleaved: attr.int(0), num_heads: attr.int(heads) }, 'com.microsoft');
}
