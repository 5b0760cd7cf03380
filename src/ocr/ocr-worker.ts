// The OCR worker thread: owns the onnxruntime sessions so that session.run never blocks the
// main thread (DESIGN.md "Threads"). Pixel buffers arrive transferred, not copied.
import { workerData } from 'node:worker_threads';
import { serveWorker } from '../inference/worker-rpc.js';
import { OcrReader, type ReaderOptions, type ReadResult } from './reader.js';
import type { Rect } from '../frames/rect.js';

export interface WorkerReadRequest {
  pixels: ArrayBuffer;
  width: number;
  height: number;
  pixelFormat: 'rgba' | 'bgra';
  regions: Rect[];
  detScale: number;
}

// A failed start (an OcrError naming the model file) crosses to the engine as structured data
// through serveWorker, on the first call.
const ready: Promise<OcrReader> = OcrReader.create(workerData as ReaderOptions);
// Keep a failed start from surfacing as an unhandled rejection; calls report it instead.
ready.catch(() => undefined);

export const ocrWorkerApi = {
  ready: async (_: null): Promise<true> => {
    await ready;
    return true;
  },
  read: async (req: WorkerReadRequest): Promise<ReadResult> => {
    const reader = await ready;
    const image = { data: new Uint8Array(req.pixels), width: req.width, height: req.height, pixelFormat: req.pixelFormat };
    return reader.read({ image, regions: req.regions, detScale: req.detScale });
  },
  close: async (_: null): Promise<true> => {
    await (await ready).close();
    return true;
  },
};

export type OcrWorkerApi = typeof ocrWorkerApi;

serveWorker(ocrWorkerApi);
