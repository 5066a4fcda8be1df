import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { makePng, postEditorUpload } from '../support/editor-requests.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { countMediaRows, MINIMAL_PDF, stagingLeftovers } from '../support/uploads.js';

const MAX_UPLOAD_BYTES = 64 * 1024;

interface Ckeditor4Body {
  uploaded: number;
  fileName?: string;
  url?: string;
  width?: number;
  height?: number;
  error?: { code: string; message: string };
}

interface Ckeditor5Body {
  url?: string;
  urls?: { default: string };
  error?: { code: string; message: string };
}

interface MosaicoBody {
  files: { name: string; size: number; url?: string; thumbnailUrl?: string; error?: string }[];
  error?: { code: string; message: string };
}

/** A file above the test server's upload limit; random bytes so no format is detected. */
const oversized = (): Buffer => Buffer.alloc(MAX_UPLOAD_BYTES + 1024, 7);

describe('editor uploads', () => {
  let server: TestServer;
  let png: Buffer;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    png = await makePng(40, 30);
  });
  after(() => server.close());

  /** Fetches a URL anonymously and checks that it serves the image uploaded. */
  async function assertPublicImage(url: string, width: number, height: number): Promise<void> {
    assert.ok(url.startsWith(`${server.url}/m/`), `${url} is not a public media URL of the test server`);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^image\//);
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.equal(metadata.width, width);
    assert.equal(metadata.height, height);
  }

  describe('CKEditor 4', () => {
    it('stores an image and returns uploaded, fileName, url', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/ckeditor4/upload?responseType=json&langCode=fr',
        field: 'upload',
        files: [{ name: 'affiche.png', content: png, type: 'image/png' }],
        fields: { ckCsrfToken: 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0' },
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await response.json()) as Ckeditor4Body;
      assert.equal(body.uploaded, 1);
      assert.equal(body.fileName, 'affiche.png');
      assert.equal(body.width, 40);
      assert.equal(body.height, 30);
      assert.equal(body.error, undefined);
      await assertPublicImage(body.url ?? '', 40, 30);
    });

    it('accepts the upload URL without responseType', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/ckeditor4/upload',
        field: 'upload',
        files: [{ name: 'collé.png', content: png }],
      });
      const body = (await response.json()) as Ckeditor4Body;
      assert.equal(response.status, 200);
      assert.equal(body.uploaded, 1);
      assert.equal(body.fileName, 'collé.png');
    });

    const failures: { name: string; lang: string; file: { name: string; content: Buffer | string }; token?: string | null; status: number; code: string; message: RegExp }[] = [
      { name: 'too big in French', lang: 'fr', file: { name: 'lourd.jpg', content: oversized() }, status: 413, code: 'VITRAIL_MEDIA_TOO_LARGE', message: /^Le fichier « lourd\.jpg » dépasse la taille maximale de 0,1 Mo/ },
      { name: 'too big in English', lang: 'en', file: { name: 'heavy.jpg', content: oversized() }, status: 413, code: 'VITRAIL_MEDIA_TOO_LARGE', message: /^The file "heavy\.jpg" is larger than the limit of 0\.1 MB/ },
      { name: 'PDF in French', lang: 'fr', file: { name: 'bulletin.pdf', content: MINIMAL_PDF }, status: 415, code: 'VITRAIL_EDITOR_NOT_AN_IMAGE', message: /« bulletin\.pdf » n'est pas une image utilisable dans un mail/ },
      { name: 'SVG in English', lang: 'en-gb', file: { name: 'logo.svg', content: '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>' }, status: 415, code: 'VITRAIL_EDITOR_NOT_AN_IMAGE', message: /"logo\.svg" is not an image a mail can show/ },
      { name: 'missing token', lang: 'fr', file: { name: 'a.png', content: Buffer.alloc(0) }, token: null, status: 401, code: 'VITRAIL_AUTH_REQUIRED', message: /^Aucun jeton d'API/ },
      { name: 'bad token', lang: 'en', file: { name: 'a.png', content: Buffer.alloc(0) }, token: 'vtr_notatoken', status: 401, code: 'VITRAIL_AUTH_INVALID_TOKEN', message: /^The API token is invalid or revoked/ },
    ];
    for (const failure of failures) {
      it(`rejects ${failure.name} in its error shape`, async () => {
        const rowsBefore = await countMediaRows(server);
        const response = await postEditorUpload(server, {
          path: `/integrations/ckeditor4/upload?responseType=json&langCode=${failure.lang}`,
          field: 'upload',
          files: [failure.file],
          token: failure.token,
        });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('x-vitrail-status'), String(failure.status));
        const body = (await response.json()) as Ckeditor4Body;
        assert.equal(body.uploaded, 0);
        assert.equal(body.error?.code, failure.code);
        assert.match(body.error?.message ?? '', failure.message);
        assert.equal(body.url, undefined);
        assert.equal(await countMediaRows(server), rowsBefore);
        assert.deepEqual(await stagingLeftovers(server), []);
      });
    }

    it('rejects the legacy form mode with how to switch', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/ckeditor4/upload?CKEditor=editor1&CKEditorFuncNum=1&langCode=fr',
        field: 'upload',
        files: [{ name: 'a.png', content: png }],
        token: null,
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-vitrail-status'), '400');
      const body = (await response.json()) as Ckeditor4Body;
      assert.equal(body.uploaded, 0);
      assert.equal(body.error?.code, 'VITRAIL_CKEDITOR4_FORM_MODE');
      assert.match(body.error?.message ?? '', /filebrowserUploadMethod = 'xhr'/);
    });

    it('rejects a request without the upload field', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/ckeditor4/upload?responseType=json&langCode=en',
        field: 'file',
        files: [{ name: 'a.png', content: png }],
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-vitrail-status'), '400');
      const body = (await response.json()) as Ckeditor4Body;
      assert.equal(body.error?.code, 'VITRAIL_EDITOR_FILE_MISSING');
      assert.equal(body.error?.message, 'The upload has no file in the field "upload".');
    });
  });

  describe('mail rendition', () => {
    let narrow: TestServer;
    before(async () => {
      narrow = await startTestServer({ VITRAIL_RENDITION_MAX_WIDTH: '100' });
    });
    after(() => narrow.close());

    it('inserts the rendition URL with its size', async () => {
      const wide = await makePng(400, 200);
      const response = await postEditorUpload(narrow, {
        path: '/integrations/ckeditor4/upload?responseType=json',
        field: 'upload',
        files: [{ name: 'large.png', content: wide }],
      });
      const body = (await response.json()) as Ckeditor4Body;
      assert.equal(body.uploaded, 1);
      assert.equal(body.width, 100);
      assert.equal(body.height, 50);
      const served = await fetch(body.url ?? '');
      assert.equal(served.status, 200);
      const metadata = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
      assert.equal(metadata.width, 100);
      assert.equal(metadata.height, 50);
    });
  });

  describe('CKEditor 5', () => {
    it('stores an image and returns url and urls.default', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/ckeditor5/upload',
        field: 'upload',
        files: [{ name: 'vitrail.png', content: png, type: 'image/png' }],
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as Ckeditor5Body;
      assert.equal(body.urls?.default, body.url);
      assert.equal(body.error, undefined);
      await assertPublicImage(body.url ?? '', 40, 30);
    });

    it('words errors from Accept-Language', async () => {
      const cases = [
        { header: 'en-US,en;q=0.9', message: /^The file "b\.pdf" is not an image/ },
        { header: 'de-DE, fr;q=0.5, en;q=0.4', message: /^Le fichier « b\.pdf » n'est pas une image/ },
        { header: 'de-DE', message: /^Le fichier « b\.pdf »/ },
      ];
      for (const { header, message } of cases) {
        const response = await postEditorUpload(server, {
          path: '/integrations/ckeditor5/upload',
          field: 'upload',
          files: [{ name: 'b.pdf', content: MINIMAL_PDF }],
          headers: { 'accept-language': header },
        });
        const body = (await response.json()) as Ckeditor5Body;
        assert.equal(response.status, 415, header);
        assert.equal(body.url, undefined, header);
        assert.equal(body.error?.code, 'VITRAIL_EDITOR_NOT_AN_IMAGE', header);
        assert.match(body.error?.message ?? '', message, header);
      }
    });

    it('says a bad token in the body', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/ckeditor5/upload',
        field: 'upload',
        files: [{ name: 'c.png', content: png }],
        token: 'vtr_revoked',
        headers: { 'accept-language': 'fr-FR' },
      });
      const body = (await response.json()) as Ckeditor5Body;
      assert.equal(response.status, 401);
      assert.equal(body.error?.code, 'VITRAIL_AUTH_INVALID_TOKEN');
      assert.match(body.error?.message ?? '', /^Le jeton d'API est invalide/);
    });

    it('says too big in the body', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/ckeditor5/upload',
        field: 'upload',
        files: [{ name: 'big.png', content: oversized() }],
        headers: { 'accept-language': 'en' },
      });
      const body = (await response.json()) as Ckeditor5Body;
      assert.equal(response.status, 413);
      assert.equal(body.error?.code, 'VITRAIL_MEDIA_TOO_LARGE');
      assert.match(body.error?.message ?? '', /larger than the limit/);
      assert.deepEqual(await stagingLeftovers(server), []);
    });
  });

  describe('Mosaico', () => {
    it('stores several files and rejects each bad one alone', async () => {
      const second = await makePng(20, 10);
      const response = await postEditorUpload(server, {
        path: '/integrations/mosaico/upload',
        field: 'files[]',
        files: [
          { name: 'un.png', content: png },
          { name: 'bulletin.pdf', content: MINIMAL_PDF },
          { name: 'lourd.png', content: oversized() },
          { name: 'deux.png', content: second },
        ],
        headers: { 'accept-language': 'fr' },
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as MosaicoBody;
      assert.equal(body.files.length, 4);
      const [first, pdf, heavy, last] = body.files;
      assert.equal(first?.name, 'un.png');
      assert.equal(first?.size, png.length);
      assert.equal(first?.error, undefined);
      await assertPublicImage(first?.url ?? '', 40, 30);
      assert.equal(pdf?.name, 'bulletin.pdf');
      assert.equal(pdf?.url, undefined);
      assert.match(pdf?.error ?? '', /n'est pas une image/);
      assert.equal(heavy?.name, 'lourd.png');
      assert.match(heavy?.error ?? '', /dépasse la taille maximale/);
      assert.equal(last?.name, 'deux.png');
      await assertPublicImage(last?.url ?? '', 20, 10);
      const thumbnail = new URL(last?.thumbnailUrl ?? '');
      assert.equal(thumbnail.origin, server.url);
      assert.equal(thumbnail.pathname, '/integrations/mosaico/img');
      assert.equal(thumbnail.searchParams.get('src'), last?.url);
      assert.equal(thumbnail.searchParams.get('method'), 'resize');
      assert.equal(thumbnail.searchParams.get('params'), '160,null');
      const thumbnailResponse = await fetch(thumbnail);
      assert.equal(thumbnailResponse.status, 200);
      assert.equal((await sharp(Buffer.from(await thumbnailResponse.arrayBuffer())).metadata()).width, 160);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('lists public images in the gallery with absolute URLs', async () => {
      const uploaded = await postEditorUpload(server, {
        path: '/integrations/mosaico/upload',
        field: 'files[]',
        files: [{ name: 'galerie.png', content: png }],
      });
      const url = ((await uploaded.json()) as MosaicoBody).files[0]?.url ?? '';

      const response = await fetch(`${server.url}/integrations/mosaico/upload`, { headers: bearer(server.editorToken) });
      assert.equal(response.status, 200);
      const body = (await response.json()) as MosaicoBody;
      const entry = body.files.find((file) => file.url === url);
      assert.ok(entry, 'the gallery lists the image just uploaded');
      assert.equal(entry.name, 'galerie.png');
      assert.equal(entry.size, png.length);
      assert.ok(body.files.length > 1);
      for (const file of body.files) {
        assert.ok(file.url?.startsWith(`${server.url}/m/`), `${file.url} is absolute`);
        assert.ok(file.thumbnailUrl?.startsWith(`${server.url}/integrations/mosaico/img?`), `${file.thumbnailUrl} is absolute`);
        assert.doesNotMatch(file.name, /\.(pdf|svg)$/);
      }
    });

    it('refuses the gallery without a token', async () => {
      const response = await fetch(`${server.url}/integrations/mosaico/upload`, { headers: { 'accept-language': 'en' } });
      assert.equal(response.status, 401);
      const body = (await response.json()) as MosaicoBody;
      assert.deepEqual(body.files, []);
      assert.equal(body.error?.code, 'VITRAIL_AUTH_REQUIRED');
      assert.match(body.error?.message ?? '', /^No API token came with the upload/);
    });

    it('ignores a session cookie without a token', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/mosaico/upload',
        field: 'files[]',
        files: [{ name: 'x.png', content: png }],
        token: null,
        headers: { cookie: 'vitrail_session=a-session-of-the-web-interface' },
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as MosaicoBody;
      assert.equal(body.error?.code, 'VITRAIL_AUTH_REQUIRED');
    });

    it('rejects more than 20 files at once and stores none', async () => {
      const rowsBefore = await countMediaRows(server);
      const files = Array.from({ length: 21 }, (_, index) => ({ name: `photo-${index}.png`, content: png }));
      const response = await postEditorUpload(server, {
        path: '/integrations/mosaico/upload',
        field: 'files[]',
        files,
        headers: { 'accept-language': 'en' },
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as MosaicoBody;
      assert.deepEqual(body.files, []);
      assert.equal(body.error?.code, 'VITRAIL_EDITOR_TOO_MANY_FILES');
      assert.equal(body.error?.message, 'Too many files in one upload: 20 at most.');
      assert.equal(await countMediaRows(server), rowsBefore);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('refuses an upload with a bad token', async () => {
      const response = await postEditorUpload(server, {
        path: '/integrations/mosaico/upload',
        field: 'files[]',
        files: [{ name: 'x.png', content: png }],
        token: 'vtr_wrong',
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as MosaicoBody;
      assert.equal(body.error?.code, 'VITRAIL_AUTH_INVALID_TOKEN');
    });
  });
});
