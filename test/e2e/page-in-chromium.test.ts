import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';
import sharp from 'sharp';

import { countBrokenImages, differentPixelShare, launchChromium } from '../support/browser.js';
import { sendPage } from '../support/pages.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { buildZip } from '../support/zips.js';

/** Maximum share of pixels that may differ between the original and the hosted page: anti-aliasing only. */
const MAX_DIFFERENT_SHARE = 0.005;
const VIEWPORT = { width: 700, height: 900 };

/** Builds a mailing-like page: table layout, inline styles, two images from the zip, one data: image, a script. */
function mailingHtml(inlinePng: Buffer): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Lettre de la paroisse</title>
<style>body { margin: 0; font: 16px/1.4 sans-serif; background: #f4efe6; } h1 { color: #7a1f2b; }</style>
<script>document.documentElement.setAttribute('data-marker', 'script ran'); document.title = 'script ran';</script>
</head><body>
<table width="600" align="center" cellpadding="12" style="background:#ffffff">
<tr><td><h1>Fête de la Saint-Martin</h1><img src="images/banniere.png" width="576" height="120" alt="bannière"></td></tr>
<tr><td style="background-image:url('images/fond.png')"><p>Chers paroissiens, rendez-vous dimanche à 10 h 30.</p>
<img src="data:image/png;base64,${inlinePng.toString('base64')}" width="80" height="80" alt="logo"></td></tr>
<tr><td><a href="https://paroisse.example.org/agenda" target="_blank">Voir l'agenda</a></td></tr>
</table>
<img src="http://127.0.0.1:9/broken.png" onerror="document.documentElement.setAttribute('data-marker', 'handler ran')" width="1" height="1" alt="">
</body></html>`;
}

describe('hosted page in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let folder: string;

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    folder = await mkdtemp(path.join(os.tmpdir(), 'vitrail-page-'));
  });
  after(async () => {
    await browser.close();
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('shows images, runs no script and looks like the original', async () => {
    const banner = await sharp({ create: { width: 576, height: 120, channels: 3, background: '#2b4c7e' } }).png().toBuffer();
    const background = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#e8d9b5' } }).png().toBuffer();
    const logo = await sharp({ create: { width: 80, height: 80, channels: 3, background: '#c49a2c' } }).png().toBuffer();
    const html = mailingHtml(logo);

    // The original, as the editor's browser shows it from the unpacked folder, scripts off so that only
    // the content is compared.
    await mkdir(path.join(folder, 'images'));
    await writeFile(path.join(folder, 'index.html'), html);
    await writeFile(path.join(folder, 'images', 'banniere.png'), banner);
    await writeFile(path.join(folder, 'images', 'fond.png'), background);
    const originalContext = await browser.newContext({ viewport: VIEWPORT, javaScriptEnabled: false });
    const original = await originalContext.newPage();
    await original.goto(pathToFileURL(path.join(folder, 'index.html')).href);
    assert.equal(await countBrokenImages(original), 1, 'only the deliberately broken image fails in the original');
    const originalShot = await original.screenshot({ fullPage: true });
    await originalContext.close();

    // Control: with scripts on and no protection, the marker is set, so the check below can fail.
    const controlContext = await browser.newContext({ viewport: VIEWPORT });
    const control = await controlContext.newPage();
    await control.goto(pathToFileURL(path.join(folder, 'index.html')).href);
    assert.notEqual(await control.evaluate('document.documentElement.getAttribute("data-marker")'), null);
    await controlContext.close();

    const zip = await buildZip([
      { name: 'index.html', content: html },
      { name: 'images/banniere.png', content: banner },
      { name: 'images/fond.png', content: background },
    ]);
    const response = await sendPage(server, { name: 'saint-martin.zip', content: zip });
    assert.equal(response.status, 201, await response.clone().text());
    const { url } = (await response.json()) as { url: string };

    const context = await browser.newContext({ viewport: VIEWPORT });
    const hosted = await context.newPage();
    const navigation = await hosted.goto(url);
    assert.equal(navigation?.status(), 200);
    assert.equal(await countBrokenImages(hosted), 1, 'every image of the mailing shows; only the broken one fails');
    assert.equal(await hosted.evaluate('document.documentElement.getAttribute("data-marker")'), null, 'no script ran');
    assert.equal(await hosted.title(), 'Lettre de la paroisse');
    const hostedShot = await hosted.screenshot({ fullPage: true });
    await context.close();

    const share = differentPixelShare(originalShot, hostedShot);
    assert.ok(share <= MAX_DIFFERENT_SHARE, `${(share * 100).toFixed(2)} % of the pixels differ`);
  });
});
