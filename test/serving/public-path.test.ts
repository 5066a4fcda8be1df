import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';
import sharp from 'sharp';

import { loadSettings } from '../../src/config/settings.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openVitrail } from '../../src/vitrail.js';
import { sampleValue } from '../support/metrics.js';
import { eventually, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

/** Headers that differ between any two answers, whoever serves them. */
const VARYING_HEADERS = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

function stableHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => !VARYING_HEADERS.has(name)));
}

function pdf(size: number): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(size - 9)]);
}

async function uploadPdf(server: TestServer, name: string, size: number): Promise<{ id: string; url: string; content: Buffer }> {
  const content = pdf(size);
  const response = await upload(server, { name, content });
  assert.equal(response.status, 201);
  const body = (await response.json()) as { id: string; url: string };
  return { id: body.id, url: body.url, content };
}

/** Resolves once the cache has the media, which the route fills and whose body is read in the background. */
async function waitUntilCached(server: RunningServer, mediaId: string): Promise<void> {
  for (let attempt = 0; attempt < 100 && !server.vitrail.publicPath.isCached(mediaId); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(server.vitrail.publicPath.isCached(mediaId), true, `media ${mediaId} is cached`);
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Sends a GET through node:http, which keeps the letter case of header names and repeats array values. */
function getWithRawHeaders(url: string, headers: http.OutgoingHttpHeaders): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response));
    });
    request.on('error', reject);
  });
}

const CONDITIONS: readonly { readonly label: string; readonly method: 'GET' | 'HEAD'; readonly headers: (etag: string) => Record<string, string> }[] = [
  { label: 'plain GET', method: 'GET', headers: () => ({}) },
  { label: 'plain HEAD', method: 'HEAD', headers: () => ({}) },
  { label: 'If-None-Match', method: 'GET', headers: (etag) => ({ 'if-none-match': etag }) },
  { label: 'failed If-Match', method: 'GET', headers: () => ({ 'if-match': '"other"' }) },
  { label: 'Range', method: 'GET', headers: () => ({ range: 'bytes=10-99' }) },
  { label: 'unsatisfiable Range', method: 'GET', headers: () => ({ range: 'bytes=999999-' }) },
  { label: 'Range with stale If-Range', method: 'GET', headers: () => ({ range: 'bytes=0-9', 'if-range': '"stale"' }) },
];

for (const memoryCacheBytes of ['0', String(1024 * 1024)]) {
  describe(`public path cache, memory budget ${memoryCacheBytes} bytes`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({ VITRAIL_MEMORY_CACHE_BYTES: memoryCacheBytes });
    });
    after(async () => {
      await server.close();
    });

    for (const condition of CONDITIONS) {
      it(`answers ${condition.label} the same from cache and route`, async () => {
        const media = await uploadPdf(server, 'programme.pdf', 2000);
        const first = await fetch(media.url, { method: condition.method });
        const etag = first.headers.get('etag') ?? '';
        await first.arrayBuffer();
        server.server.vitrail.publicPath.invalidate(media.id);

        const request = { method: condition.method, headers: condition.headers(etag) };
        const fromRoute = await fetch(media.url, request);
        const routeBody = Buffer.from(await fromRoute.arrayBuffer());
        await waitUntilCached(server.server, media.id);
        const fromCache = await fetch(media.url, request);
        const cacheBody = Buffer.from(await fromCache.arrayBuffer());

        assert.equal(fromCache.status, fromRoute.status);
        assert.deepEqual(stableHeaders(fromCache), stableHeaders(fromRoute));
        assert.ok(cacheBody.equals(routeBody), 'same body');
        assert.match(fromCache.headers.get('x-request-id') ?? '', /.+/);
      });
    }

    it('serves the stored bytes from the cache', async () => {
      const media = await uploadPdf(server, 'bulletin.pdf', 50_000);
      await (await fetch(media.url)).arrayBuffer();
      await waitUntilCached(server.server, media.id);
      const cached = await fetch(media.url);
      assert.equal(cached.status, 200);
      assert.ok(Buffer.from(await cached.arrayBuffer()).equals(media.content));
    });

    it('forgets a media at once when it changes', async () => {
      const media = await uploadPdf(server, 'horaires.pdf', 1000);
      const patch = (body: Record<string, string>) =>
        fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, {
          method: 'PATCH',
          headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });

      await (await fetch(media.url)).arrayBuffer();
      await waitUntilCached(server.server, media.id);
      assert.equal((await patch({ name: 'horaires-noel.pdf' })).status, 200);
      const renamed = await fetch(media.url);
      assert.equal(renamed.headers.get('content-disposition'), 'inline; filename="horaires-noel.pdf"');
      await renamed.arrayBuffer();

      await waitUntilCached(server.server, media.id);
      assert.equal((await patch({ visibility: 'private' })).status, 200);
      assert.equal((await fetch(media.url)).status, 404);
      assert.equal((await patch({ visibility: 'public' })).status, 200);
      assert.equal((await fetch(media.url)).status, 200);

      await waitUntilCached(server.server, media.id);
      const trashed = await fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, { method: 'DELETE', headers: bearer(server.editorToken) });
      assert.equal(trashed.status, 200);
      assert.notEqual((await fetch(media.url)).status, 200);
      const restored = await fetch(`${server.url}/api/v1/media/${media.id}/restore`, { method: 'POST', headers: bearer(server.editorToken) });
      assert.equal(restored.status, 200);
      assert.equal((await fetch(media.url)).status, 200);
    });

    it('counts fetches served from the cache', async () => {
      const media = await uploadPdf(server, 'compte.pdf', 800);
      await (await fetch(media.url)).arrayBuffer();
      await waitUntilCached(server.server, media.id);
      await (await fetch(media.url)).arrayBuffer();
      await (await fetch(media.url, { method: 'HEAD' })).arrayBuffer();

      const read = await fetch(`${server.url}/api/v1/media/${media.id}`, { headers: bearer(server.editorToken) });
      assert.equal(((await read.json()) as { recentFetches: number }).recentFetches, 3);
    });

    it('reads hit headers in any case', async () => {
      const media = await uploadPdf(server, 'annonces.pdf', 900);
      await (await fetch(media.url)).arrayBuffer();
      await waitUntilCached(server.server, media.id);

      const withId = await getWithRawHeaders(media.url, { 'X-Request-ID': 'mailing-7.abc' });
      assert.equal(withId.headers['x-request-id'], 'mailing-7.abc');
      // node:http joins a repeated header with ", ", which no accepted request id contains.
      const repeated = await getWithRawHeaders(media.url, { 'x-request-id': ['mailing-7', 'mailing-8'] });
      assert.match(String(repeated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      const conditional = await getWithRawHeaders(media.url, { 'IF-NONE-MATCH': String(withId.headers.etag) });
      assert.equal(conditional.statusCode, 304);
      // Credentials send the request to the route, which does not count an editor's fetch.
      const editor = await getWithRawHeaders(media.url, { AUTHORIZATION: `Bearer ${server.editorToken}` });
      assert.equal(editor.statusCode, 200);

      const read = await fetch(`${server.url}/api/v1/media/${media.id}`, { headers: bearer(server.editorToken) });
      assert.equal(((await read.json()) as { recentFetches: number }).recentFetches, 4, 'the route, then three anonymous hits');
    });

    it('counts cache hits in the metrics', async () => {
      const media = await uploadPdf(server, 'tarifs.pdf', 700);
      await (await fetch(media.url)).arrayBuffer();
      await waitUntilCached(server.server, media.id);
      const counted = async () =>
        sampleValue(await (await fetch(`${server.url}/metrics`)).text(), 'vitrail_http_requests_total{method="GET",route="/m/:id/*",status="200"}');
      const before = await counted();
      await (await fetch(media.url)).arrayBuffer();
      await (await fetch(media.url)).arrayBuffer();
      // A streamed body is counted once the server's pipeline ends, which can come after the client has it all.
      await eventually(async () => (await counted()) >= before + 2);
      assert.equal(await counted(), before + 2);
    });

    it('reports cache lookups in metrics', async () => {
      const read = async () => {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        return {
          hits: sampleValue(text, 'vitrail_public_cache_hits_total'),
          misses: sampleValue(text, 'vitrail_public_cache_misses_total'),
          entries: sampleValue(text, 'vitrail_public_cache_entries'),
          bodyBytes: sampleValue(text, 'vitrail_public_cache_body_bytes'),
        };
      };
      const before = await read();
      const media = await uploadPdf(server, 'kermesse.pdf', 900);
      await (await fetch(media.url)).arrayBuffer();
      await waitUntilCached(server.server, media.id);
      await (await fetch(media.url)).arrayBuffer();
      await (await fetch(`${media.url}?utm_campaign=avent`)).arrayBuffer();
      await (await fetch(media.url, { headers: bearer(server.editorToken) })).arrayBuffer();

      const after = await read();
      assert.equal(after.misses - before.misses, 2, 'the first fetch and the first with a query went to the route');
      assert.equal(after.hits - before.hits, 1);
      assert.equal(after.entries - before.entries, 2, 'the plain URL and the URL with a query');
      if (memoryCacheBytes === '0') assert.equal(after.bodyBytes, 0, 'no body kept without a memory budget');
      // Bodies are read into memory in the background, so the gauge may lag the fetches a little.
      else await eventually(async () => (await read()).bodyBytes >= before.bodyBytes + 900);
    });

    it('serves new content at once after a replace', async () => {
      const media = await uploadPdf(server, 'agenda.pdf', 1500);
      await (await fetch(media.url)).arrayBuffer();
      await waitUntilCached(server.server, media.id);

      const replacement = pdf(2500);
      const form = new FormData();
      form.append('file', new Blob([replacement]), 'agenda.pdf');
      const replaced = await fetch(`${server.url}/api/v1/media/${media.id}/content`, { method: 'PUT', headers: bearer(server.editorToken), body: form });
      assert.equal(replaced.status, 200);

      const served = await fetch(media.url);
      assert.equal(served.headers.get('content-length'), '2500');
      assert.ok(Buffer.from(await served.arrayBuffer()).equals(replacement));
    });

    it('caches the rendition an image URL serves', async () => {
      const jpeg = await sharp({ create: { width: 1600, height: 100, channels: 3, background: '#884422' } }).jpeg().toBuffer();
      const response = await upload(server, { name: 'bandeau.jpg', content: jpeg });
      assert.equal(response.status, 201);
      const media = (await response.json()) as { id: string; url: string };

      const fromRoute = await fetch(media.url);
      const routeBody = Buffer.from(await fromRoute.arrayBuffer());
      await waitUntilCached(server.server, media.id);
      const fromCache = await fetch(media.url);
      const cacheBody = Buffer.from(await fromCache.arrayBuffer());
      assert.deepEqual(stableHeaders(fromCache), stableHeaders(fromRoute));
      assert.ok(cacheBody.equals(routeBody), 'same body');
      assert.equal((await sharp(cacheBody).metadata()).width, 1200, 'the rendition, not the original');

      const variant = await fetch(`${media.url}?w=50`);
      assert.equal(variant.status, 200);
      assert.equal((await sharp(Buffer.from(await variant.arrayBuffer())).metadata()).width, 50);
    });

    it('never caches a private media', async () => {
      const response = await upload(server, { name: 'prive.pdf', content: pdf(500), fields: { visibility: 'private' } });
      const media = (await response.json()) as { id: string; url: string };
      const asEditor = await fetch(media.url, { headers: bearer(server.editorToken) });
      assert.equal(asEditor.status, 200);
      await asEditor.arrayBuffer();
      assert.equal(server.server.vitrail.publicPath.isCached(media.id), false);
      assert.equal((await fetch(media.url)).status, 404);
    });
  });
}

describe('public path cache across processes on one database', () => {
  let writer: TestServer;
  let reader: RunningServer;

  before(async () => {
    writer = await startTestServer();
    // A second server on the same data directory stands for another worker: its own cache, its own connection.
    const settings = loadSettings({ VITRAIL_DATA_DIR: writer.dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: '0' });
    reader = await startServer(settings, pino({ level: 'silent' }));
  });
  after(async () => {
    await reader.close();
    await writer.close();
  });

  it('sees a visibility change made by another server at once', async () => {
    const media = await uploadPdf(writer, 'affiche.pdf', 3000);
    const readerUrl = media.url.replace(writer.url, reader.address);
    await (await fetch(readerUrl)).arrayBuffer();
    await waitUntilCached(reader, media.id);

    const changed = await fetch(`${writer.url}/api/v1/media/${media.id}?confirm=true`, {
      method: 'PATCH',
      headers: { ...bearer(writer.editorToken), 'content-type': 'application/json' },
      body: JSON.stringify({ visibility: 'private' }),
    });
    assert.equal(changed.status, 200);
    assert.equal((await fetch(readerUrl)).status, 404);
  });

  it('sees a trash made by another server at once', async () => {
    const media = await uploadPdf(writer, 'tract.pdf', 3000);
    const readerUrl = media.url.replace(writer.url, reader.address);
    await (await fetch(readerUrl)).arrayBuffer();
    await waitUntilCached(reader, media.id);

    const trashed = await fetch(`${writer.url}/api/v1/media/${media.id}?confirm=true`, { method: 'DELETE', headers: bearer(writer.editorToken) });
    assert.equal(trashed.status, 200);
    assert.notEqual((await fetch(readerUrl)).status, 200);
  });

  it('sees a change made by an administrative command at once', async () => {
    const media = await uploadPdf(writer, 'lettre.pdf', 3000);
    const readerUrl = media.url.replace(writer.url, reader.address);
    await (await fetch(readerUrl)).arrayBuffer();
    await waitUntilCached(reader, media.id);

    // The CLI opens the data directory through openVitrail and writes with its own connection.
    const command = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: writer.dataDir }), pino({ level: 'silent' }));
    try {
      await command.db.updateTable('media').set({ name: 'lettre-signee.pdf' }).where('id', '=', media.id).execute();
    } finally {
      await command.close();
    }
    const renamed = await fetch(readerUrl);
    assert.equal(renamed.headers.get('content-disposition'), 'inline; filename="lettre-signee.pdf"');
  });
});
