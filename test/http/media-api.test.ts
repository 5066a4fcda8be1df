import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface MediaJson {
  id: string;
  name: string;
  url: string;
  alt: string;
  visibility: string;
  sha256: string;
  trashedAt: string | null;
}

interface PageJson {
  items: MediaJson[];
  nextCursor: string | null;
}

describe('media API and public URLs', () => {
  let server: TestServer;

  const create = async (name: string, fields: Record<string, string> = {}): Promise<MediaJson> => {
    const response = await upload(server, { name, content: `${MINIMAL_PDF}% ${name}\n`, fields });
    assert.equal(response.status, 201);
    return (await response.json()) as MediaJson;
  };
  const api = (path: string, init: RequestInit = {}, token = server.editorToken) =>
    fetch(`${server.url}${path}`, { ...init, headers: { ...bearer(token), ...(init.headers ?? {}) } });
  const patch = (id: string, body: unknown) =>
    api(`/api/v1/media/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  describe('listing', () => {
    it('lists newest first, page by page', async () => {
      const created = [];
      for (const name of ['liste-1.pdf', 'liste-2.pdf', 'liste-3.pdf']) created.push(await create(name));
      const first = (await (await api('/api/v1/media?limit=2&q=liste-')).json()) as PageJson;
      assert.deepEqual(first.items.map((item) => item.name), ['liste-3.pdf', 'liste-2.pdf']);
      assert.ok(first.nextCursor);
      const second = (await (await api(`/api/v1/media?limit=2&q=liste-&cursor=${first.nextCursor}`)).json()) as PageJson;
      assert.deepEqual(second.items.map((item) => item.name), ['liste-1.pdf']);
      assert.equal(second.nextCursor, null);
    });

    it('finds « Église » from « eglise », ignoring case and accents', async () => {
      await create('Église Saint-Étienne.pdf');
      const page = (await (await api(`/api/v1/media?q=${encodeURIComponent('eglise saint-etienne')}`)).json()) as PageJson;
      assert.deepEqual(page.items.map((item) => item.name), ['Église Saint-Étienne.pdf']);
      const upper = (await (await api(`/api/v1/media?q=${encodeURIComponent('ÉGLISE')}`)).json()) as PageJson;
      assert.equal(upper.items.length, 1);
    });

    it('ignores control characters in a search', async () => {
      const response = await api(`/api/v1/media?q=${encodeURIComponent('\u0000\u001fJüw')}`);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as PageJson).items.length, 0);
    });

    it('treats LIKE wildcards in a search as plain text', async () => {
      await create('cent_pour_cent.pdf');
      const page = (await (await api(`/api/v1/media?q=${encodeURIComponent('%')}`)).json()) as PageJson;
      assert.equal(page.items.length, 0);
      const underscore = (await (await api(`/api/v1/media?q=${encodeURIComponent('t_p')}`)).json()) as PageJson;
      assert.deepEqual(underscore.items.map((item) => item.name), ['cent_pour_cent.pdf']);
    });

    it('rejects an invalid limit and a forged cursor with 400', async () => {
      const limit = await api('/api/v1/media?limit=0');
      assert.equal(limit.status, 400);
      assert.equal(((await limit.json()) as { error: { code: string } }).error.code, 'VITRAIL_VALIDATION_FAILED');
      const cursor = await api('/api/v1/media?cursor=bm9wZQ');
      assert.equal(cursor.status, 400);
    });

    it('requires authentication', async () => {
      assert.equal((await fetch(`${server.url}/api/v1/media`)).status, 401);
    });
  });

  describe('changes', () => {
    it('renames and keeps the old URL serving', async () => {
      const media = await create('ancien-nom.pdf');
      const response = await patch(media.id, { name: 'nouveau nom.pdf', alt: 'Affiche de la kermesse' });
      assert.equal(response.status, 200);
      const renamed = (await response.json()) as MediaJson;
      assert.equal(renamed.name, 'nouveau nom.pdf');
      assert.equal(renamed.alt, 'Affiche de la kermesse');
      assert.equal(renamed.url, `${server.url}/m/${media.id}/nouveau%20nom.pdf`);
      assert.equal((await fetch(media.url)).status, 200);
      assert.equal((await fetch(renamed.url)).status, 200);
      assert.equal((await fetch(`${server.url}/m/${media.id}`)).status, 200);
    });

    it('hides a private media from anonymous readers with 404', async () => {
      const media = await create('confidentiel.pdf');
      assert.equal((await patch(media.id, { visibility: 'private' })).status, 200);
      const anonymous = await fetch(media.url);
      assert.equal(anonymous.status, 404);
      const unknown = await fetch(`${server.url}/m/AAAAAAAAAAAAAAAAAAAA/x.pdf`);
      assert.equal(unknown.status, 404);
      assert.deepEqual(await anonymous.json(), {
        error: { code: 'VITRAIL_MEDIA_NOT_FOUND', message: `No media has the id "${media.id}".` },
      });

      const editor = await fetch(media.url, { headers: bearer(server.editorToken) });
      assert.equal(editor.status, 200);
      assert.equal(editor.headers.get('cache-control'), 'private, no-cache');

      assert.equal((await patch(media.id, { visibility: 'public' })).status, 200);
      assert.equal((await fetch(media.url)).status, 200);
    });

    it('creates a private media from the upload field', async () => {
      const media = await create('prive.pdf', { visibility: 'private' });
      assert.equal(media.visibility, 'private');
      assert.equal((await fetch(media.url)).status, 404);
    });

    it('rejects unknown fields, empty bodies and bad values with 400', async () => {
      const media = await create('refus.pdf');
      for (const body of [{}, { colour: 'red' }, { visibility: 'hidden' }, { name: '' }]) {
        const response = await patch(media.id, body);
        assert.equal(response.status, 400, JSON.stringify(body));
      }
      const unchanged = (await (await api(`/api/v1/media/${media.id}`)).json()) as MediaJson;
      assert.equal(unchanged.name, 'refus.pdf');
    });

    it('answers 404 for an unknown id', async () => {
      const response = await patch('AAAAAAAAAAAAAAAAAAAA', { alt: 'x' });
      assert.equal(response.status, 404);
    });
  });

  describe('trash', () => {
    it('stops serving a deleted media and serves it again once restored', async () => {
      const media = await create('corbeille.pdf');
      const deleted = await api(`/api/v1/media/${media.id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 200);
      assert.ok(((await deleted.json()) as MediaJson).trashedAt);
      // Gone rather than unknown: a link in a sent mail points at it.
      assert.equal((await fetch(media.url)).status, 410);
      assert.equal((await fetch(media.url, { headers: bearer(server.editorToken) })).status, 410);

      const library = (await (await api('/api/v1/media?q=corbeille')).json()) as PageJson;
      assert.equal(library.items.length, 0);
      const trash = (await (await api('/api/v1/media?trash=true&q=corbeille')).json()) as PageJson;
      assert.deepEqual(trash.items.map((item) => item.id), [media.id]);

      const restored = await api(`/api/v1/media/${media.id}/restore`, { method: 'POST' });
      assert.equal(restored.status, 200);
      assert.equal(((await restored.json()) as MediaJson).trashedAt, null);
      assert.equal((await fetch(media.url)).status, 200);
    });

    it('answers 409 to restoring a media not in the trash', async () => {
      const media = await create('pas-jete.pdf');
      const response = await api(`/api/v1/media/${media.id}/restore`, { method: 'POST' });
      assert.equal(response.status, 409);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_MEDIA_NOT_TRASHED');
    });
  });

  describe('public HTTP semantics', () => {
    it('answers conditional and range requests over the network', async () => {
      const media = await create('http.pdf');
      const full = await fetch(media.url);
      const etag = full.headers.get('etag') ?? '';
      assert.equal(etag, `"${media.sha256}"`);
      assert.equal(full.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(full.headers.get('cache-control'), 'public, max-age=300');
      const body = Buffer.from(await full.arrayBuffer());

      assert.equal((await fetch(media.url, { headers: { 'if-none-match': etag } })).status, 304);
      assert.equal((await fetch(media.url, { headers: { 'if-match': '"other"' } })).status, 412);

      const partial = await fetch(media.url, { headers: { range: 'bytes=0-7' } });
      assert.equal(partial.status, 206);
      assert.equal(partial.headers.get('content-range'), `bytes 0-7/${body.length}`);
      assert.deepEqual(Buffer.from(await partial.arrayBuffer()), body.subarray(0, 8));

      const tail = await fetch(media.url, { headers: { range: 'bytes=-4' } });
      assert.deepEqual(Buffer.from(await tail.arrayBuffer()), body.subarray(body.length - 4));

      const beyond = await fetch(media.url, { headers: { range: `bytes=${body.length}-` } });
      assert.equal(beyond.status, 416);
      assert.equal(beyond.headers.get('content-range'), `bytes */${body.length}`);
    });

    it('gives HEAD the headers of GET and no body', async () => {
      const media = await create('head.pdf');
      const getResponse = await fetch(media.url);
      await getResponse.arrayBuffer();
      const headResponse = await fetch(media.url, { method: 'HEAD' });
      assert.equal(headResponse.status, 200);
      for (const name of ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control', 'content-disposition']) {
        assert.equal(headResponse.headers.get(name), getResponse.headers.get(name), name);
      }
      assert.equal((await headResponse.arrayBuffer()).byteLength, 0);
    });

    it('serves SVG under a sandbox policy', async () => {
      const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
      const response = await upload(server, { name: 'logo.svg', content: svg });
      assert.equal(response.status, 201);
      const media = (await response.json()) as MediaJson & { mime: string };
      assert.equal(media.mime, 'image/svg+xml');
      const served = await fetch(media.url);
      assert.match(served.headers.get('content-security-policy') ?? '', /sandbox/);
      assert.equal(served.headers.get('content-type'), 'image/svg+xml');
    });

    it('echoes the request id, or makes one', async () => {
      const media = await create('request-id.pdf');
      const given = await fetch(media.url, { headers: { 'x-request-id': 'mailing-42.abc' } });
      assert.equal(given.headers.get('x-request-id'), 'mailing-42.abc');
      const made = await fetch(media.url, { headers: { 'x-request-id': 'bad id with spaces' } });
      assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });
  });

  describe('errors outside media', () => {
    it('answers an unknown API route with a JSON 404', async () => {
      const response = await fetch(`${server.url}/api/v1/nothing`);
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_ROUTE_NOT_FOUND');
    });

    it('reports health of the database and data directory', async () => {
      const response = await fetch(`${server.url}/healthz`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok', checks: { database: 'ok', dataDir: 'ok' } });
    });
  });
});

describe('API documentation', () => {
  it('describes the media routes as OpenAPI at /api/docs', async () => {
    const server = await startTestServer();
    try {
      const document = (await (await fetch(`${server.url}/api/docs/json`)).json()) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      assert.match(document.openapi, /^3\./);
      assert.ok(document.paths['/api/v1/media']?.post);
      assert.ok(document.paths['/api/v1/media/{id}']?.patch);
      const page = await fetch(`${server.url}/api/docs`, { redirect: 'follow' });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    } finally {
      await server.close();
    }
  });
});
