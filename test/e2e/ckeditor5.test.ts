import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';

import { launchChromium, recordPageErrors } from '../support/browser.js';
import { makePng } from '../support/editor-requests.js';
import { startEditorSite, type EditorSite } from '../support/editor-site.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF } from '../support/uploads.js';

const MAX_UPLOAD_BYTES = 200 * 1024;

/**
 * CKEditor 5 from the npm package `ckeditor5` (its browser build), with SimpleUploadAdapter pointed at
 * Vitrail. The page runs on the second origin and uploads through the editor's own uploadImage command.
 */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="/ckeditor5/ckeditor5.css">
<script src="/ckeditor5/ckeditor5.umd.js"></script>
</head><body><div id="editor"></div>
<script>
window.startEditor = async function (uploadUrl, token) {
  const { ClassicEditor, Essentials, Paragraph, Image, ImageUpload, SimpleUploadAdapter } = CKEDITOR;
  window.uploadWarnings = [];
  window.editor = await ClassicEditor.create(document.querySelector('#editor'), {
    licenseKey: 'GPL',
    plugins: [Essentials, Paragraph, Image, ImageUpload, SimpleUploadAdapter],
    simpleUpload: { uploadUrl, headers: { Authorization: 'Bearer ' + token } },
  });
  editor.plugins.get('Notification').on('show:warning', (event, data) => {
    window.uploadWarnings.push(String(data.message));
    event.stop();
  });
};
window.uploadFile = function (base64, name, type) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  editor.execute('uploadImage', { file: new File([bytes], name, { type }) });
};
</script></body></html>`;

describe('CKEditor 5 in Chromium, on another origin', () => {
  let server: TestServer;
  let site: EditorSite;
  let browser: Browser;

  before(async () => {
    site = await startEditorSite({ '/ckeditor5.html': PAGE });
    server = await startTestServer({ VITRAIL_CORS_ORIGINS: site.origin, VITRAIL_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
    await site.close();
    await server.close();
  });

  async function openEditor(locale: string, token: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    const errors = recordPageErrors(page);
    await page.goto(`${site.origin}/ckeditor5.html`);
    await page.evaluate(`startEditor(${JSON.stringify(`${server.url}/integrations/ckeditor5/upload`)}, ${JSON.stringify(token)})`);
    return { page, errors };
  }

  async function uploadAndWaitForWarning(page: Page, content: Buffer, name: string, type: string): Promise<string> {
    await page.evaluate(`uploadFile(${JSON.stringify(content.toString('base64'))}, ${JSON.stringify(name)}, ${JSON.stringify(type)})`);
    await page.waitForFunction('window.uploadWarnings.length > 0', undefined, { timeout: 10_000 });
    return page.evaluate<string>('window.uploadWarnings[0]');
  }

  it('inserts an image hosted on Vitrail', async () => {
    const { page, errors } = await openEditor('fr-FR', server.editorToken);
    const png = await makePng(64, 48);
    await page.evaluate(`uploadFile(${JSON.stringify(png.toString('base64'))}, 'photo.png', 'image/png')`);
    await page.waitForFunction(`editor.getData().includes(${JSON.stringify(`${server.url}/m/`)})`, undefined, { timeout: 10_000 });

    const html = await page.evaluate<string>('editor.getData()');
    const src = /<img[^>]* src="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.ok(src.startsWith(`${server.url}/m/`), `the inserted image points at Vitrail: ${html}`);
    const response = await fetch(src);
    assert.equal(response.status, 200);
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.equal(metadata.width, 64);
    assert.equal(metadata.height, 48);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('shows a French error for a file that is not an image', async () => {
    const { page } = await openEditor('fr-FR', server.editorToken);
    const message = await uploadAndWaitForWarning(page, Buffer.from(MINIMAL_PDF), 'faux.png', 'image/png');
    assert.match(message, /^Le fichier « faux\.png » n'est pas une image utilisable dans un mail/);
    assert.doesNotMatch(await page.evaluate<string>('editor.getData()'), /<img/);
    await page.context().close();
  });

  it('shows an English error for a file too big', async () => {
    const { page } = await openEditor('en-GB', server.editorToken);
    const message = await uploadAndWaitForWarning(page, Buffer.alloc(MAX_UPLOAD_BYTES + 10, 1), 'huge.png', 'image/png');
    assert.match(message, /^The file "huge\.png" is larger than the limit of 0\.2 MB/);
    await page.context().close();
  });

  it('shows the bad token error', async () => {
    const { page } = await openEditor('fr-FR', 'vtr_not-a-real-token');
    const message = await uploadAndWaitForWarning(page, await makePng(8, 8), 'a.png', 'image/png');
    assert.match(message, /^Le jeton d'API est invalide ou révoqué/);
    await page.context().close();
  });
});
