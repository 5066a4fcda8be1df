import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import type { RunningServer } from '../../src/server.js';
import { upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

/** Headers that differ between any two responses, from the cache or the route. */
const VARYING_HEADERS = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);
const EDITOR_ORIGIN = 'http://civicrm.example.org';

function stableHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => !VARYING_HEADERS.has(name)));
}

/** Returns the cache key of a URL with a query: its path and query, as node:http reads them. */
function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

async function waitUntilCached(server: RunningServer, url: string): Promise<void> {
  const key = pathAndQuery(url);
  for (let attempt = 0; attempt < 100 && !server.vitrail.publicPath.isCached(key); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(server.vitrail.publicPath.isCached(key), true, `${key} is cached`);
  // The body is read into memory in the background.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

async function uploadPhoto(server: TestServer, name: string, colour: string): Promise<{ id: string; url: string }> {
  const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: colour } }).jpeg().toBuffer();
  const response = await upload(server, { name, content: jpeg });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string; url: string };
}

/** The two kinds of URL with a query that sit in mails: a resize on the public URL, and Mosaico's processor. */
const VARIANT_URLS = [
  { label: 'public URL resize', of: (server: TestServer, media: { url: string }) => `${media.url}?width=120` },
  {
    label: 'Mosaico resize',
    of: (server: TestServer, media: { url: string }) =>
      `${server.url}/integrations/mosaico/img?${new URLSearchParams({ src: media.url, method: 'resize', params: '120,null' }).toString()}`,
  },
] as const;

const CONDITIONS = [
  { label: 'plain GET', method: 'GET', headers: (): Record<string, string> => ({}) },
  { label: 'plain HEAD', method: 'HEAD', headers: (): Record<string, string> => ({}) },
  { label: 'If-None-Match', method: 'GET', headers: (etag: string): Record<string, string> => ({ 'if-none-match': etag }) },
  { label: 'Range', method: 'GET', headers: (): Record<string, string> => ({ range: 'bytes=10-99' }) },
] as const;

describe('public path cache for URLs with a query', () => {
  let server: TestServer;

  before(async () => {
    // With editor origins set, Mosaico's endpoint sends CORS headers, which hits must keep.
    server = await startTestServer({ VITRAIL_CORS_ORIGINS: EDITOR_ORIGIN });
  });
  after(async () => {
    await server.close();
  });

  for (const variant of VARIANT_URLS) {
    for (const condition of CONDITIONS) {
      it(`${variant.label}: ${condition.label} same from cache`, async () => {
        const media = await uploadPhoto(server, 'vitrail-nord.jpg', '#3355aa');
        const url = variant.of(server, media);
        const first = await fetch(url);
        assert.equal(first.status, 200);
        const etag = first.headers.get('etag') ?? '';
        await first.arrayBuffer();
        server.server.vitrail.publicPath.invalidate(media.id);
        assert.equal(server.server.vitrail.publicPath.isCached(pathAndQuery(url)), false, 'a change of the media drops its variants');

        const request = { method: condition.method, headers: condition.headers(etag) };
        const fromRoute = await fetch(url, request);
        const routeBody = Buffer.from(await fromRoute.arrayBuffer());
        await waitUntilCached(server.server, url);
        const fromCache = await fetch(url, request);
        const cacheBody = Buffer.from(await fromCache.arrayBuffer());

        assert.equal(fromCache.status, fromRoute.status);
        assert.deepEqual(stableHeaders(fromCache), stableHeaders(fromRoute));
        assert.ok(cacheBody.equals(routeBody), 'same body');
      });
    }

    it(`${variant.label}: forgotten on change`, async () => {
      const media = await uploadPhoto(server, 'rosace.jpg', '#aa3355');
      const url = variant.of(server, media);
      const patch = (body: Record<string, string>) =>
        fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, {
          method: 'PATCH',
          headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });

      const original = Buffer.from(await (await fetch(url)).arrayBuffer());
      await waitUntilCached(server.server, url);
      assert.equal((await patch({ visibility: 'private' })).status, 200);
      assert.equal((await fetch(url)).status, 404, 'private at once');
      assert.equal((await patch({ visibility: 'public' })).status, 200);
      assert.equal((await fetch(url)).status, 200);

      await waitUntilCached(server.server, url);
      const green = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#33aa55' } }).jpeg().toBuffer();
      const form = new FormData();
      form.append('file', new Blob([green]), 'rosace.jpg');
      const replaced = await fetch(`${server.url}/api/v1/media/${media.id}/content`, { method: 'PUT', headers: bearer(server.editorToken), body: form });
      assert.equal(replaced.status, 200);
      const after = Buffer.from(await (await fetch(url)).arrayBuffer());
      assert.ok(!after.equals(original), 'the replaced image at once');
      const { dominant } = await sharp(after).stats();
      assert.ok(dominant.g > dominant.r, 'the new, green image');

      await waitUntilCached(server.server, url);
      const trashed = await fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, { method: 'DELETE', headers: bearer(server.editorToken) });
      assert.equal(trashed.status, 200);
      assert.notEqual((await fetch(url)).status, 200, 'trashed at once');
    });
  }

  it('counts resize and Mosaico fetches', async () => {
    const media = await uploadPhoto(server, 'cloche.jpg', '#777777');
    const [resize, mosaico] = VARIANT_URLS.map((variant) => variant.of(server, media));
    for (const url of [resize, mosaico] as string[]) {
      await (await fetch(url)).arrayBuffer();
      await waitUntilCached(server.server, url);
      await (await fetch(url)).arrayBuffer();
    }
    const read = await fetch(`${server.url}/api/v1/media/${media.id}`, { headers: bearer(server.editorToken) });
    // Two fetches of each URL, the second one from the cache: both kinds count for the source media.
    assert.equal(((await read.json()) as { recentFetches: number }).recentFetches, 4);
  });

  it('sends CORS requests to the route', async () => {
    const media = await uploadPhoto(server, 'chapelle.jpg', '#224466');
    const url = VARIANT_URLS[1].of(server, media);
    await (await fetch(url)).arrayBuffer();
    await waitUntilCached(server.server, url);

    const withoutOrigin = await fetch(url);
    assert.match(withoutOrigin.headers.get('vary') ?? '', /origin/i);
    assert.equal(withoutOrigin.headers.get('access-control-allow-origin'), null);
    await withoutOrigin.arrayBuffer();
    const withOrigin = await fetch(url, { headers: { origin: EDITOR_ORIGIN } });
    assert.equal(withOrigin.status, 200);
    assert.equal(withOrigin.headers.get('access-control-allow-origin'), EDITOR_ORIGIN);
  });
});
