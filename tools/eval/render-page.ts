// Renders an HTML page in the system Chromium and returns its screenshot with the DOM's own idea of
// where the text is: the ground truth that OCR accuracy is measured against. Never downloads a
// browser; one browser serves every page (a fresh context per page keeps pages independent).
import sharp from 'sharp';
import { chromium, type Browser } from 'playwright-core';
import { DOM_TEXT_SCRIPT, toPhysical, type DomText, type TextBox } from './dom-truth.js';

export type { TextBox } from './dom-truth.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface RenderOptions {
  /** Page markup; exactly one of html and url. */
  html?: string;
  /** file:// (or any) address of the page. */
  url?: string;
  /** Viewport in CSS pixels. */
  width: number;
  height: number;
  deviceScaleFactor: number;
  /** Only the viewport is rendered; the field exists so a caller cannot assume otherwise. */
  fullPage?: false;
}

export interface RenderedPage {
  png: Buffer;
  /** width*height*4 bytes, RGBA, rows tightly packed. */
  rgba: Buffer;
  /** Physical pixels (viewport × deviceScaleFactor). */
  width: number;
  height: number;
  /** Rendered lines of visible text, boxes in physical pixels. */
  lines: TextBox[];
  /** Visible words (whitespace-separated tokens), boxes in physical pixels. */
  words: TextBox[];
}

export class PageRenderer {
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<PageRenderer> {
    try {
      // launch() (not launchPersistentContext) gives Chromium a fresh temporary --user-data-dir and
      // deletes it on close: nothing carries over between runs. Playwright refuses the flag in args.
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
      return new PageRenderer(browser);
    } catch (err) {
      throw new Error(`could not start Chromium at ${CHROMIUM_PATH} (is the chromium package installed?): ${(err as Error).message}`);
    }
  }

  async render(opts: RenderOptions): Promise<RenderedPage> {
    if ((opts.html === undefined) === (opts.url === undefined)) {
      throw new Error('PageRenderer.render: pass exactly one of `html` and `url`');
    }
    const context = await this.browser.newContext({
      viewport: { width: opts.width, height: opts.height },
      deviceScaleFactor: opts.deviceScaleFactor,
      // Documentation pages may link to the web: nothing leaves the machine, the page renders without.
      offline: true,
    });
    try {
      const page = await context.newPage();
      if (opts.html !== undefined) await page.setContent(opts.html, { waitUntil: 'load' });
      else await page.goto(opts.url!, { waitUntil: 'load' });
      await page.evaluate('document.fonts.ready.then(() => true)');
      const truth = (await page.evaluate(DOM_TEXT_SCRIPT)) as DomText;
      const png = await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide', fullPage: false });
      const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const scale = opts.deviceScaleFactor;
      const physical = (t: TextBox): TextBox => ({ text: t.text, box: toPhysical(t.box, scale) });
      return {
        png,
        rgba: data,
        width: info.width,
        height: info.height,
        lines: truth.lines.map(physical),
        words: truth.words.map(physical),
      };
    } finally {
      await context.close();
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
