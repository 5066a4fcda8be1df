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
 * jQuery File Upload (npm `blueimp-file-upload`, the uploader inside Mosaico) on jQuery 3, sending to
 * Vitrail as Mosaico's fileuploadConfig does, with the token in its `headers` option.
 */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<script src="/jquery/jquery.min.js"></script>
<script src="/blueimp/vendor/jquery.ui.widget.js"></script>
<script src="/blueimp/jquery.fileupload.js"></script>
</head><body><input id="fileupload" type="file" name="files[]" multiple>
<script>
function toFile(file) {
  return new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type });
}
window.uploadFiles = function (url, token, files) {
  return new Promise((resolve) => {
    $('#fileupload').fileupload({
      url,
      dataType: 'json',
      singleFileUploads: false,
      headers: { Authorization: 'Bearer ' + token },
      done: (event, data) => resolve({ outcome: 'done', status: data.jqXHR.status, body: data.result }),
      fail: (event, data) => resolve({ outcome: 'fail', status: data.jqXHR.status, body: data.jqXHR.responseJSON }),
    });
    $('#fileupload').fileupload('send', { files: files.map(toFile) });
  });
};
window.loadGallery = function (url, token) {
  return $.ajax({ url, dataType: 'json', headers: { Authorization: 'Bearer ' + token } });
};
</script></body></html>`;

interface MosaicoEntry {
  name: string;
  size: number;
  url?: string;
  thumbnailUrl?: string;
  error?: string;
}

interface UploadResult {
  outcome: 'done' | 'fail';
  status: number;
  body: { files: MosaicoEntry[]; error?: { code: string; message: string } };
}

describe('Mosaico uploader (jQuery File Upload) in Chromium, on another origin', () => {
  let server: TestServer;
  let site: EditorSite;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    site = await startEditorSite({ '/mosaico.html': PAGE });
    server = await startTestServer({ VITRAIL_CORS_ORIGINS: site.origin, VITRAIL_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'fr-FR' });
    page = await context.newPage();
    errors = recordPageErrors(page);
    await page.goto(`${site.origin}/mosaico.html`);
  });
  after(async () => {
    await browser.close();
    await site.close();
    await server.close();
  });

  const send = async (token: string, files: { content: Buffer; name: string; type: string }[]): Promise<UploadResult> => {
    const encoded = files.map((file) => ({ base64: file.content.toString('base64'), name: file.name, type: file.type }));
    return page.evaluate<UploadResult>(
      `uploadFiles(${JSON.stringify(`${server.url}/integrations/mosaico/upload`)}, ${JSON.stringify(token)}, ${JSON.stringify(encoded)})`,
    );
  };

  it('uploads several files at once and lists them in the gallery', async () => {
    const result = await send(server.editorToken, [
      { content: await makePng(50, 40), name: 'eglise.png', type: 'image/png' },
      { content: Buffer.from(MINIMAL_PDF), name: 'bulletin.pdf', type: 'application/pdf' },
      { content: Buffer.alloc(MAX_UPLOAD_BYTES + 10, 1), name: 'immense.png', type: 'image/png' },
    ]);
    assert.equal(result.outcome, 'done');
    const [image, pdf, huge] = result.body.files;
    assert.equal(image?.name, 'eglise.png');
    assert.ok(image?.url?.startsWith(`${server.url}/m/`), `the image URL points at Vitrail: ${image?.url}`);
    const response = await fetch(image?.url ?? '');
    assert.equal(response.status, 200);
    assert.equal((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width, 50);
    assert.match(pdf?.error ?? '', /^Le fichier « bulletin\.pdf » n'est pas une image/);
    assert.match(huge?.error ?? '', /^Le fichier « immense\.png » dépasse la taille maximale/);

    const gallery = await page.evaluate<{ files: MosaicoEntry[] }>(
      `loadGallery(${JSON.stringify(`${server.url}/integrations/mosaico/upload`)}, ${JSON.stringify(server.editorToken)})`,
    );
    assert.deepEqual(
      gallery.files.map((file) => file.url),
      [image?.url],
    );
    assert.deepEqual(errors, []);
  });

  it('fails the whole upload on a bad token, with the reason', async () => {
    const result = await send('vtr_wrong', [{ content: await makePng(8, 8), name: 'a.png', type: 'image/png' }]);
    assert.equal(result.outcome, 'fail');
    assert.equal(result.status, 401);
    assert.equal(result.body.error?.code, 'VITRAIL_AUTH_INVALID_TOKEN');
    assert.match(result.body.error?.message ?? '', /^Le jeton d'API est invalide/);
  });
});
