import assert from 'node:assert/strict';
import { readdir, readlink } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { countMediaRows, eventually, MINIMAL_PDF, rawMultipart, stagingLeftovers, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface ErrorJson {
  error: { code: string; message: string };
}

async function errorOf(response: Response): Promise<ErrorJson['error']> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as ErrorJson;
  assert.equal(typeof body.error.message, 'string');
  return body.error;
}

describe('POST /api/v1/media', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(256 * 1024) });
  });
  after(async () => {
    await server.close();
  });

  it('stores a PDF and serves it anonymously byte for byte', async () => {
    const response = await upload(server, { name: 'flyer.pdf', content: MINIMAL_PDF, type: 'text/plain' });
    assert.equal(response.status, 201);
    const media = (await response.json()) as Record<string, unknown>;
    assert.equal(media.name, 'flyer.pdf');
    assert.equal(media.mime, 'application/pdf');
    assert.equal(media.size, Buffer.byteLength(MINIMAL_PDF));
    assert.match(String(media.sha256), /^[0-9a-f]{64}$/);
    assert.equal(media.visibility, 'public');
    assert.equal(media.alt, '');
    assert.match(String(media.id), /^[A-Za-z0-9_-]{20}$/);
    assert.equal(media.url, `${server.url}/m/${String(media.id)}/flyer.pdf`);
    assert.equal(response.headers.get('location'), media.url);
    assert.ok(!Number.isNaN(Date.parse(String(media.createdAt))));

    const fetched = await fetch(String(media.url));
    assert.equal(fetched.status, 200);
    assert.equal(Buffer.from(await fetched.arrayBuffer()).toString(), MINIMAL_PDF);
    assert.equal(fetched.headers.get('content-type'), 'application/pdf');
  });

  it('records width and height of images', async () => {
    const png = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#336699' } }).png().toBuffer();
    const response = await upload(server, { name: 'bleu.png', content: png, fields: { alt: 'Un carré bleu' } });
    assert.equal(response.status, 201);
    const media = (await response.json()) as Record<string, unknown>;
    assert.equal(media.mime, 'image/png');
    assert.equal(media.width, 30);
    assert.equal(media.height, 20);
    assert.equal(media.alt, 'Un carré bleu');
  });

  it('accepts fields sent after the file', async () => {
    const { body, contentType } = rawMultipart([
      { headers: 'Content-Disposition: form-data; name="file"; filename="apres.pdf"', body: MINIMAL_PDF },
      { headers: 'Content-Disposition: form-data; name="visibility"', body: 'private' },
      { headers: 'Content-Disposition: form-data; name="alt"', body: 'Texte' },
    ]);
    const response = await fetch(`${server.url}/api/v1/media`, {
      method: 'POST',
      headers: { ...bearer(server.editorToken), 'content-type': contentType },
      body,
    });
    assert.equal(response.status, 201);
    const media = (await response.json()) as Record<string, unknown>;
    assert.equal(media.visibility, 'private');
    assert.equal(media.alt, 'Texte');
  });

  it('stores identical content once but creates two media', async () => {
    const content = `${MINIMAL_PDF}% same bytes twice\n`;
    const first = (await (await upload(server, { name: 'un.pdf', content })).json()) as Record<string, string>;
    const second = (await (await upload(server, { name: 'deux.pdf', content })).json()) as Record<string, string>;
    assert.notEqual(first.id, second.id);
    assert.equal(first.sha256, second.sha256);
    const sha = String(first.sha256);
    const blobDirectory = path.join(server.dataDir, 'blobs', sha.slice(0, 2), sha.slice(2, 4));
    assert.deepEqual(await readdir(blobDirectory), [sha]);
  });

  describe('authentication', () => {
    it('rejects an upload without a token with 401', async () => {
      const response = await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token: null });
      assert.equal(response.status, 401);
      assert.equal((await errorOf(response)).code, 'VITRAIL_AUTH_REQUIRED');
    });

    it('rejects a wrong token with 401', async () => {
      const response = await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token: 'vtr_not-a-real-token' });
      assert.equal(response.status, 401);
      assert.equal((await errorOf(response)).code, 'VITRAIL_AUTH_INVALID_TOKEN');
    });

    it('rejects a revoked token with 401', async () => {
      const token = await server.createUserToken('revoked@example.org', 'editor');
      const [listed] = (await server.server.vitrail.tokens.listTokens()).filter((row) => row.email === 'revoked@example.org');
      assert.ok(listed);
      assert.equal((await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token })).status, 201);
      await server.server.vitrail.tokens.revokeToken(listed.id);
      const response = await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token });
      assert.equal(response.status, 401);
      assert.equal((await errorOf(response)).code, 'VITRAIL_AUTH_INVALID_TOKEN');
    });

    it('rejects the token of a disabled user with 401', async () => {
      const token = await server.createUserToken('disabled@example.org', 'editor');
      await server.server.vitrail.users.setDisabled('disabled@example.org', true);
      const response = await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token });
      assert.equal(response.status, 401);
    });

    it('rejects a malformed Authorization header with 401', async () => {
      const response = await fetch(`${server.url}/api/v1/media`, { headers: { authorization: 'Basic abc' } });
      assert.equal(response.status, 401);
      assert.equal((await errorOf(response)).code, 'VITRAIL_AUTH_SCHEME');
    });
  });

  describe('bad input', () => {
    it('rejects a file over the limit with 413 and leaves nothing', async () => {
      const rowsBefore = await countMediaRows(server);
      const response = await upload(server, { name: 'gros.pdf', content: Buffer.alloc(300 * 1024, 0x25) });
      assert.equal(response.status, 413);
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_MEDIA_TOO_LARGE');
      assert.match(error.message, /256 KiB \(262144 bytes\)/);
      assert.deepEqual(await stagingLeftovers(server), []);
      assert.equal(await countMediaRows(server), rowsBefore);
    });

    it('rejects an empty file with 400', async () => {
      const response = await upload(server, { name: 'vide.pdf', content: '' });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, 'VITRAIL_MEDIA_EMPTY');
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects HTML renamed photo.png with 415', async () => {
      const rowsBefore = await countMediaRows(server);
      const response = await upload(server, {
        name: 'photo.png',
        content: '<!doctype html><script>alert(1)</script>',
        type: 'image/png',
      });
      assert.equal(response.status, 415);
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_MEDIA_TYPE_NOT_ALLOWED');
      assert.match(error.message, /photo\.png/);
      assert.equal(await countMediaRows(server), rowsBefore);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects a type outside the allowlist with 415', async () => {
      const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)]);
      const response = await upload(server, { name: 'archive.zip', content: zip });
      assert.equal(response.status, 415);
      const error = (await errorOf(response)) as ErrorJson['error'] & { allowedTypes?: unknown };
      assert.ok(Array.isArray(error.allowedTypes), 'the error lists the allowed types');
      assert.ok(error.allowedTypes.includes('image/*'), `allowedTypes is ${JSON.stringify(error.allowedTypes)}`);
    });

    it('rejects malformed multipart with 400', async () => {
      const response = await fetch(`${server.url}/api/v1/media`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 cut here',
      });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, 'VITRAIL_UPLOAD_MALFORMED');
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects a multipart body without boundary with 400', async () => {
      const response = await fetch(`${server.url}/api/v1/media`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'content-type': 'multipart/form-data' },
        body: 'whatever',
      });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, 'VITRAIL_UPLOAD_MALFORMED');
    });

    it('rejects a body that is not multipart with 415', async () => {
      const response = await fetch(`${server.url}/api/v1/media`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(response.status, 415);
      assert.equal((await errorOf(response)).code, 'VITRAIL_REQUEST_CONTENT_TYPE');
    });

    it('rejects an upload without a file with 400', async () => {
      const form = new FormData();
      form.append('alt', 'rien');
      const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers: bearer(server.editorToken), body: form });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, 'VITRAIL_UPLOAD_FILE_MISSING');
    });

    it('rejects two files with 400 and keeps neither', async () => {
      const rowsBefore = await countMediaRows(server);
      const { body, contentType } = rawMultipart([
        { headers: 'Content-Disposition: form-data; name="file"; filename="a.pdf"', body: MINIMAL_PDF },
        { headers: 'Content-Disposition: form-data; name="file"; filename="b.pdf"', body: MINIMAL_PDF },
      ]);
      const response = await fetch(`${server.url}/api/v1/media`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'content-type': contentType },
        body,
      });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, 'VITRAIL_UPLOAD_TOO_MANY_FILES');
      assert.equal(await countMediaRows(server), rowsBefore);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects an invalid visibility with 400', async () => {
      const response = await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, fields: { visibility: 'secret' } });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, 'VITRAIL_VALIDATION_FAILED');
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects an unknown field with 400', async () => {
      const response = await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, fields: { colour: 'x' } });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).code, 'VITRAIL_UPLOAD_UNKNOWN_FIELD');
    });

    it('cleans up after a client aborts mid-upload', async () => {
      const rowsBefore = await countMediaRows(server);
      const boundary = 'abortboundary';
      const url = new URL(`${server.url}/api/v1/media`);
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          ...bearer(server.editorToken),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(200 * 1024),
        },
      });
      request.on('error', () => undefined);
      request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="coupe.pdf"\r\n\r\n`);
      request.write(Buffer.alloc(64 * 1024, 0x25));
      await eventually(async () => (await stagingLeftovers(server)).length > 0);
      request.destroy();

      await eventually(async () => (await stagingLeftovers(server)).length === 0);
      assert.equal(await countMediaRows(server), rowsBefore);
      await eventually(async () => !(await openFilesUnder(path.join(server.dataDir, 'tmp'))));
    });
  });

  describe('file names', () => {
    const cases: { sent: string; stored: string }[] = [
      { sent: '../../x.pdf', stored: 'x.pdf' },
      { sent: '..\\x.pdf', stored: 'x.pdf' },
      { sent: '/etc/passwd', stored: 'passwd' },
      { sent: '.htaccess', stored: 'htaccess' },
      { sent: 'Cafe\u0301.pdf', stored: 'Café.pdf' },
      { sent: 'Café-日本.pdf', stored: 'Café-日本.pdf' },
      { sent: 'tab\there.pdf', stored: 'tabhere.pdf' },
    ];
    for (const { sent, stored } of cases) {
      it(`stores ${JSON.stringify(sent)} as ${JSON.stringify(stored)}`, async () => {
        const response = await upload(server, { name: sent, content: MINIMAL_PDF });
        assert.equal(response.status, 201);
        const media = (await response.json()) as Record<string, string>;
        assert.equal(media.name, stored);
        assert.equal(media.name, stored.normalize('NFC'));
      });
    }

    it('keeps a raw UTF-8 name sent without encoding', async () => {
      const { body, contentType } = rawMultipart([
        { headers: 'Content-Disposition: form-data; name="file"; filename="Café-日本.pdf"', body: MINIMAL_PDF },
      ]);
      const response = await fetch(`${server.url}/api/v1/media`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'content-type': contentType },
        body,
      });
      assert.equal(response.status, 201);
      const media = (await response.json()) as Record<string, string>;
      assert.equal(media.name, 'Café-日本.pdf');
      const fetched = await fetch(String(media.url));
      assert.equal(fetched.status, 200);
      assert.match(fetched.headers.get('content-disposition') ?? '', /filename\*=UTF-8''Caf%C3%A9-%E6%97%A5%E6%9C%AC\.pdf/);
    });

    it('cuts a 300-byte name to 255 bytes, extension kept', async () => {
      const response = await upload(server, { name: `${'é'.repeat(150)}.pdf`, content: MINIMAL_PDF });
      const media = (await response.json()) as Record<string, string>;
      assert.ok(Buffer.byteLength(String(media.name)) <= 255);
      assert.ok(String(media.name).endsWith('.pdf'));
      assert.ok(String(media.name).startsWith('éé'));
    });
  });

  it('keeps the staging directory empty after every test above', async () => {
    assert.deepEqual(await stagingLeftovers(server), []);
  });
});

/** True when this process holds a file open under `directory`. */
async function openFilesUnder(directory: string): Promise<boolean> {
  for (const descriptor of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${descriptor}`).catch(() => '');
    if (target.startsWith(directory)) return true;
  }
  return false;
}
