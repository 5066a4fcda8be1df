import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';
import PostalMime from 'postal-mime';

import { countBrokenImages, differentPixelShare, launchChromium } from '../support/browser.js';
import { buildMailing } from '../support/mailing.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

/** Maximum share of pixels that may differ before and after: the same bytes decode the same, so almost none. */
const MAX_DIFFERENT_SHARE = 0.002;
const VIEWPORT = { width: 700, height: 1100 };

describe('lighter mail in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
    await server.close();
  });

  it('renders the same before and after', async () => {
    const mailing = await buildMailing();

    // Before: the HTML as a mail client shows it, each cid: part resolved to its own bytes.
    let before = mailing.html;
    for (const image of mailing.images) {
      before = before.replace(`cid:${image.cid}`, `data:image/jpeg;base64,${image.bytes.toString('base64')}`);
    }

    const form = new FormData();
    form.append('file', new Blob([mailing.eml]), 'nouvelles.eml');
    const response = await fetch(`${server.url}/api/v1/externalize`, { method: 'POST', headers: bearer(server.editorToken), body: form });
    assert.equal(response.status, 200, await response.clone().text());
    const { content } = (await response.json()) as { content: string };
    const after = (await PostalMime.parse(content)).html ?? '';

    const shots: Buffer[] = [];
    for (const html of [before, after]) {
      const context = await browser.newContext({ viewport: VIEWPORT, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      assert.equal(await countBrokenImages(page), 0, 'every image shows');
      shots.push(await page.screenshot({ fullPage: true }));
      await context.close();
    }

    const share = differentPixelShare(shots[0] ?? Buffer.alloc(0), shots[1] ?? Buffer.alloc(0));
    assert.ok(share <= MAX_DIFFERENT_SHARE, `${(share * 100).toFixed(2)} % of the pixels differ`);
  });
});
