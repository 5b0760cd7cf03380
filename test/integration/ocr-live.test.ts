// The embedded default end to end: a real Chromium window on a real X display (Xvfb + openbox),
// the real CLI reading it with PP-OCRv4, and a WebSocket client receiving what it read — first the
// page's lines, then, after one line of the page changes, a diff that names only that line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startXvfb, type XvfbHandle } from '../helpers/xvfb.js';
import { EventClient, startSightline, type SightlineProcess } from '../helpers/sightline-process.js';

const PAGE = `<!doctype html><html><body style="margin:0;background:#fff;font:28px 'DejaVu Sans',sans-serif;color:#111">
<div style="padding:60px 80px">
  <h1 style="font-size:40px;margin:0 0 40px">Quarterly Report</h1>
  <p>Revenue grew in every region this quarter.</p>
  <p id="status">Status: waiting for upload</p>
  <button style="font:inherit;padding:10px 24px">Save changes</button>
</div></body></html>`;

let xvfb: XvfbHandle;
let browser: Browser;
let page: Page;
let sightline: SightlineProcess;

before(async () => {
  xvfb = await startXvfb({ width: 1280, height: 800 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: false,
    env: xvfb.env,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-position=0,0', '--window-size=1280,800', '--kiosk'],
  });
  page = await browser.newPage({ viewport: null });
  await page.setContent(PAGE);
  sightline = await startSightline(['--fps', '5'], xvfb.env);
});

after(async () => {
  await sightline?.kill('SIGKILL');
  await browser?.close();
  await xvfb?.stop();
});

test('the live screen is read and one changed line arrives as a diff naming only that line', async () => {
  const client = await EventClient.connect(sightline.url, sightline.token);
  client.send({ v: 1, type: 'subscribe', topics: ['elements'], id: 'sub' });
  await client.next((e) => e.type === 'ack' && e.id === 'sub');
  const { elements } = client;
  const texts = () => client.texts();

  await client.next(() => /Quarterly Report/.test(texts()) && /Save changes/.test(texts()) && /waiting for upload/.test(texts()), 90_000).catch((err: Error) => {
    throw new Error(`${err.message}; elements read: ${texts()}`);
  });
  const reportId = [...elements.entries()].find(([, e]) => /Quarterly Report/.test(e.text))![0];

  const before = client.events.length;
  await page.locator('#status').evaluate((el) => {
    el.textContent = 'Status: upload complete';
  });
  const diff = await client.next(
    (e) => client.events.indexOf(e) >= before && e.type === 'elements' && [...e.added, ...e.changed].some((el: any) => /upload complete/.test(el.text)),
    90_000,
  );
  const touched = [...diff.added, ...diff.changed].map((el: any) => el.text);
  assert.ok(!touched.some((t: string) => /Quarterly Report|Save changes/.test(t)), `only the edited line changed, got ${JSON.stringify(touched)}`);
  assert.ok(elements.has(reportId), 'the unchanged heading kept its id');
  assert.doesNotMatch(texts(), /waiting for upload/);
  client.close();
});
