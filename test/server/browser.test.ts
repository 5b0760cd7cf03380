// The browser path in a real Chromium: a page cannot set headers, so it authenticates with the
// token subprotocol, and its Origin decides whether it may connect at all.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { SightlineServer } from '../../src/server/ws-server.js';
import { TOKEN, startServer } from './helpers.js';

/** The system Chromium (installed with apt); nothing is downloaded. */
const CHROMIUM_PATH = '/usr/bin/chromium';

interface PageResult {
  opened: boolean;
  protocol?: string;
  types?: string[];
  closeCode?: number;
}

/** Runs in the page: connect, subscribe, and report what happened. */
function connectFromPage({ url, protocols }: { url: string; protocols: string[] }): Promise<PageResult> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    const types: string[] = [];
    let opened = false;
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify({ v: 1, type: 'subscribe', id: 'from-page', topics: ['frame'] }));
    };
    ws.onmessage = (e) => {
      const message = JSON.parse(String(e.data)) as { type: string };
      types.push(message.type);
      if (message.type === 'ack') {
        resolve({ opened, protocol: ws.protocol, types });
        ws.close();
      }
    };
    ws.onclose = (e) => resolve({ opened, closeCode: e.code });
  });
}

describe('browser clients (Chromium)', () => {
  let server: SightlineServer;
  let pages: Server;
  let browser: Browser;
  let pagePort = 0;

  before(async () => {
    server = await startServer();
    pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title>'));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagePort = (pages.address() as AddressInfo).port;
    // evil.example resolves to this machine, so a foreign origin can be served without a network.
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP evil.example 127.0.0.1'],
    });
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    await server?.close();
  });

  async function fromOrigin(host: string, protocols: string[]): Promise<PageResult> {
    const page = await browser.newPage();
    try {
      await page.goto(`http://${host}:${pagePort}/`);
      return await page.evaluate(connectFromPage, { url: server.url, protocols });
    } finally {
      await page.close();
    }
  }

  test('a local page connects with the token subprotocol; the server echoes only sightline.v1', async () => {
    const result = await fromOrigin('localhost', ['sightline.v1', `token.${TOKEN}`]);
    assert.deepEqual(result, { opened: true, protocol: 'sightline.v1', types: ['hello', 'ack'] });
  });

  test('a local page with a wrong token never opens', async () => {
    const result = await fromOrigin('127.0.0.1', ['sightline.v1', 'token.wrong-token-0123456789']);
    assert.equal(result.opened, false);
    assert.equal(result.closeCode, 1006);
  });

  test('a foreign page with the right token is refused (403) and never opens', async () => {
    const refusedBefore = server.stats().refused['403'] ?? 0;
    const result = await fromOrigin('evil.example', ['sightline.v1', `token.${TOKEN}`]);
    assert.equal(result.opened, false);
    assert.equal(server.stats().refused['403'], refusedBefore + 1);
  });
});
