import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';

import { launchChromium, recordPageErrors } from '../support/browser.js';
import { makePng } from '../support/editor-requests.js';
import { startEditorSite, type EditorSite } from '../support/editor-site.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';

const MAX_UPLOAD_BYTES = 200 * 1024;

/**
 * CKEditor 4.22.1 from the npm package `ckeditor4` (the last open-source release), configured as the
 * CiviCRM guide describes: uploads in XHR mode with the token in fileTools_requestHeaders, the picker as its
 * browse URL, and Vitrail's receiver script on the page.
 */
function editorPage(vitrail: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8">
<script src="/ckeditor4/ckeditor.js"></script>
<script src="${vitrail}/integrations/ckeditor4/receiver.js"></script>
</head><body><textarea id="editor"></textarea>
<script>
const vitrail = ${JSON.stringify(vitrail)};
function toFile(base64, name, type) {
  return new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type });
}
window.startEditor = function (token) {
  return new Promise((resolve) => {
    window.editor = CKEDITOR.replace('editor', {
      versionCheck: false,
      imageUploadUrl: vitrail + '/integrations/ckeditor4/upload?responseType=json',
      filebrowserImageBrowseUrl: vitrail + '/integrations/ckeditor4/browse',
      fileTools_requestHeaders: { Authorization: 'Bearer ' + token },
      on: { instanceReady: () => resolve() },
    });
  });
};
window.pasteFile = function (base64, name, type) {
  const transfer = new DataTransfer();
  transfer.items.add(toFile(base64, name, type));
  editor.fire('paste', { type: 'auto', method: 'paste', dataValue: '', dataTransfer: new CKEDITOR.plugins.clipboard.dataTransfer(transfer) });
};
window.uploadWithLoader = function (base64, name, type) {
  return new Promise((resolve) => {
    const loader = editor.uploadRepository.create(toFile(base64, name, type));
    loader.on('error', () => resolve({ status: 'error', message: loader.message }));
    loader.on('uploaded', () => resolve({ status: 'uploaded', url: loader.url }));
    loader.upload(editor.config.imageUploadUrl);
  });
};
window.openPicker = function () {
  return new Promise((resolve) => {
    const funcNum = CKEDITOR.tools.addFunction((url) => resolve(url));
    window.open(editor.config.filebrowserImageBrowseUrl + '?CKEditor=editor&CKEditorFuncNum=' + funcNum + '&langCode=fr', 'picker', 'width=700,height=500');
  });
};
window.forgedChoices = [];
window.forgeChoice = function (url) {
  const funcNum = CKEDITOR.tools.addFunction((chosen) => window.forgedChoices.push(chosen));
  window.postMessage({ type: 'vitrail:ckeditor4:choose', funcNum: String(funcNum), url }, '*');
};
</script></body></html>`;
}

describe('CKEditor 4 in Chromium, on another origin', () => {
  let server: TestServer;
  let site: EditorSite;
  let browser: Browser;

  before(async () => {
    // The page needs Vitrail's address and Vitrail needs the page's origin: the page is served lazily.
    const pages: Record<string, string> = {};
    site = await startEditorSite(pages);
    server = await startTestServer({ VITRAIL_CORS_ORIGINS: site.origin, VITRAIL_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    pages['/ckeditor4.html'] = editorPage(server.url);
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
    await page.goto(`${site.origin}/ckeditor4.html`);
    await page.evaluate(`startEditor(${JSON.stringify(token)})`);
    return { page, errors };
  }

  const fileArguments = (content: Buffer, name: string, type: string) =>
    `${JSON.stringify(content.toString('base64'))}, ${JSON.stringify(name)}, ${JSON.stringify(type)}`;

  it('inserts a pasted image hosted on Vitrail, with its size', async () => {
    const { page, errors } = await openEditor('fr-FR', server.editorToken);
    await page.evaluate(`pasteFile(${fileArguments(await makePng(64, 48), 'collee.png', 'image/png')})`);
    await page.waitForFunction(`editor.getData().includes(${JSON.stringify(`${server.url}/m/`)})`, undefined, { timeout: 10_000 });

    const html = await page.evaluate<string>('editor.getData()');
    const img = /<img[^>]*>/.exec(html)?.[0] ?? '';
    const src = /src="([^"]+)"/.exec(img)?.[1] ?? '';
    assert.ok(src.startsWith(`${server.url}/m/`), `the inserted image points at Vitrail: ${html}`);
    // CKEditor 4 turns the width and height of the upload response into an inline style.
    assert.match(img, /width:\s*64px/);
    assert.match(img, /height:\s*48px/);
    const response = await fetch(src);
    assert.equal(response.status, 200);
    assert.equal((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width, 64);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('gives the editor French errors', async () => {
    const { page } = await openEditor('fr-FR', server.editorToken);
    const notImage = await page.evaluate<{ status: string; message: string }>(`uploadWithLoader(${fileArguments(Buffer.from(MINIMAL_PDF), 'bulletin.png', 'image/png')})`);
    assert.equal(notImage.status, 'error');
    assert.match(notImage.message, /^Le fichier « bulletin\.png » n'est pas une image utilisable dans un mail/);
    const tooBig = await page.evaluate<{ status: string; message: string }>(`uploadWithLoader(${fileArguments(Buffer.alloc(MAX_UPLOAD_BYTES + 10, 1), 'lourde.png', 'image/png')})`);
    assert.equal(tooBig.status, 'error');
    assert.match(tooBig.message, /^Le fichier « lourde\.png » dépasse la taille maximale de 0,2 Mo/);
    await page.context().close();
  });

  it('gives the editor an English bad token error', async () => {
    const { page } = await openEditor('en-US', 'vtr_revoked-long-ago');
    const result = await page.evaluate<{ status: string; message: string }>(`uploadWithLoader(${fileArguments(await makePng(8, 8), 'a.png', 'image/png')})`);
    assert.equal(result.status, 'error');
    assert.match(result.message, /^The API token is invalid or revoked/);
    await page.context().close();
  });

  it('picks an image in the picker and hands it to the editor', async () => {
    const uploaded = await upload(server, { name: 'choisie.png', content: await makePng(30, 20) });
    const chosenUrl = ((await uploaded.json()) as { url: string }).url;
    const { page, errors } = await openEditor('fr-FR', server.editorToken);

    const [picker] = await Promise.all([page.waitForEvent('popup'), page.evaluate('window.pickerResult = openPicker(); null')]);
    const pickerErrors = recordPageErrors(picker);
    await picker.waitForLoadState();
    assert.equal(await picker.title(), 'Médiathèque Vitrail');
    await picker.fill('#token', server.editorToken);
    await picker.click('#token-form button');
    await picker.fill('#search', 'choisie');
    await picker.click('#search-form button');
    const choose = picker.getByRole('button', { name: 'Choisir choisie.png' });
    await choose.waitFor({ timeout: 10_000 });
    // The picker closes itself on the click, which can come before Playwright has finished the click.
    const closed = picker.waitForEvent('close');
    await choose.click({ noWaitAfter: true }).catch((error: unknown) => {
      if (!picker.isClosed()) throw error;
    });
    await closed;

    assert.equal(await page.evaluate<string>('window.pickerResult'), chosenUrl);
    // The picker first probes the web interface's session, which returns 404 or 401 here because no one is signed in.
    assert.deepEqual(pickerErrors.filter((error) => !/^40[14] .*\/api\/v1\/session$/.test(error)), []);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('ignores a choice posted from another origin than Vitrail', async () => {
    const { page } = await openEditor('fr-FR', server.editorToken);
    await page.evaluate(`forgeChoice(${JSON.stringify(`${server.url}/m/AAAAAAAAAAAAAAAAAAAA/x.png`)})`);
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate<string[]>('window.forgedChoices'), []);
    await page.context().close();
  });
});
