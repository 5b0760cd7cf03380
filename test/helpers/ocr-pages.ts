// Frames for OCR tests: real screenshots from test/fixtures/screens (CC BY 4.0, see its README) and Chromium-rendered pages
// with DOM ground truth (tools/eval/render-page.ts), wrapped as the RawFrame/Frame the engine reads.
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { DisplayInfo, Frame, RawFrame } from '../../src/frames/frame.js';
import type { Rect } from '../../src/frames/rect.js';
import { ChangeDetector } from '../../src/frames/change.js';
import type { RenderedPage } from '../../tools/eval/render-page.js';

/** The fixtures live in the repository; this file runs from dist/test/helpers/. */
export const SCREENS = fileURLToPath(new URL('../../../test/fixtures/screens', import.meta.url));

export function display(width: number, height: number, scaleFactor = 1): DisplayInfo {
  return { id: '0', x: 0, y: 0, width, height, scaleFactor, primary: true };
}

export function rgbaFrame(data: Buffer, width: number, height: number, scaleFactor = 1, seq = 0): RawFrame {
  return { seq, time: Date.now(), monotonicMs: performance.now(), display: display(width, height, scaleFactor), region: { x: 0, y: 0, width, height }, width, height, pixelFormat: 'rgba', data };
}

export async function screenFrame(name: string, scaleFactor = 1, crop?: Rect): Promise<RawFrame> {
  let image = sharp(`${SCREENS}/${name}`);
  if (crop) image = image.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height });
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return rgbaFrame(data, info.width, info.height, scaleFactor);
}

export function pageFrame(page: RenderedPage, scaleFactor: number, seq = 0): RawFrame {
  return rgbaFrame(page.rgba, page.width, page.height, scaleFactor, seq);
}

/** Runs raw frames through the real change detector, as the pipeline does. */
export function changeFrames(raws: RawFrame[]): Frame[] {
  const detector = new ChangeDetector();
  return raws.map((raw, i) => {
    const frame = detector.detect({ ...raw, seq: i });
    if (!frame) throw new Error(`frame ${i} is identical to the previous one`);
    return frame;
  });
}

/** A test page: UI-like text at typical screen sizes (12–16 px at 1x). */
export function formPage(opts: { title?: string; note?: string } = {}): string {
  return `<!doctype html><html><body style="margin:0;font-family:'DejaVu Sans',sans-serif;background:#fff;color:#222">
  <div style="display:flex;gap:18px;padding:8px 12px;background:#f3f3f3;font-size:13px">
    <span>File</span><span>Edit</span><span>View</span><span>Insert</span><span>Format</span><span>Tools</span><span>Help</span>
  </div>
  <div style="display:flex">
    <div style="width:220px;padding:12px;font-size:14px;line-height:28px;border-right:1px solid #ddd">
      <div>Inbox</div><div>Drafts</div><div>Sent Items</div><div>Archive</div><div>Deleted Items</div>
    </div>
    <div style="padding:16px 24px;font-size:15px">
      <h2 style="font-size:22px;margin:0 0 12px">${opts.title ?? 'Account settings'}</h2>
      <p style="margin:6px 0">Display name: Maria Lopez</p>
      <p style="margin:6px 0">Email address: maria.lopez@example.com</p>
      <p style="margin:6px 0">Time zone: Central European Time</p>
      <p style="margin:6px 0">${opts.note ?? 'Last sign in was 3 days ago'}</p>
      <div style="margin-top:14px;display:flex;gap:12px;font-size:14px">
        <span style="border:1px solid #888;padding:4px 14px">Save changes</span>
        <span style="border:1px solid #888;padding:4px 14px">Cancel</span>
      </div>
    </div>
  </div></body></html>`;
}
