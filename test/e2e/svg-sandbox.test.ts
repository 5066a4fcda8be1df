import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { chromium, type Browser } from 'playwright-core';

import { HOSTILE_SVG, uploadMedia } from '../support/images.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Debian's chromium, with the flags the project's browser tests use. */
async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Opens a URL in a new page and reports whether any of the SVG's three scripts ran. */
async function scriptTraces(browser: Browser, url: string): Promise<{ pwned: unknown; title: string; status: number | undefined }> {
  const page = await browser.newPage();
  try {
    const response = await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    // Evaluated as text: the tests compile without the DOM library.
    const pwned = await page.evaluate<unknown>('window.__pwned ?? null');
    return { pwned, title: await page.title(), status: response?.status() };
  } finally {
    await page.close();
  }
}

describe('SVG served on the public path, opened in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let plainServer: http.Server;
  let plainUrl: string;

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    // The same SVG served with no protection, which shows that the check below detects script that runs.
    plainServer = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/svg+xml' }).end(HOSTILE_SVG);
    });
    await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
    plainUrl = `http://127.0.0.1:${(plainServer.address() as AddressInfo).port}/hostile.svg`;
  });
  after(async () => {
    await browser.close();
    await new Promise<void>((resolve) => plainServer.close(() => resolve()));
    await server.close();
  });

  it('runs the SVG script when served without protection (control)', async () => {
    const traces = await scriptTraces(browser, plainUrl);
    assert.notEqual(traces.pwned, null);
  });

  it('never runs the script of an uploaded SVG', async () => {
    const media = await uploadMedia(server, 'hostile.svg', HOSTILE_SVG);
    const traces = await scriptTraces(browser, media.url);
    assert.equal(traces.status, 200);
    assert.equal(traces.pwned, null);
    assert.notEqual(traces.title, 'pwned');
  });

  it('shows the PNG asked with format=png as an image', async () => {
    const media = await uploadMedia(server, 'hostile-png.svg', HOSTILE_SVG);
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${media.url}?format=png`);
      assert.equal(response?.status(), 200);
      assert.equal(response?.headers()['content-type'], 'image/png');
      const size = await page.evaluate<unknown>(
        '(() => { const image = document.querySelector("img"); return image && [image.naturalWidth, image.naturalHeight]; })()',
      );
      assert.deepEqual(size, [120, 80]);
    } finally {
      await page.close();
    }
  });
});
