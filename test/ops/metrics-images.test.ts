import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import sharp from 'sharp';

import { uploadMedia } from '../support/images.js';
import { sampleValue } from '../support/metrics.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('image metrics', () => {
  let server: TestServer;
  const read = async () => (await fetch(`${server.url}/metrics`)).text();
  const hits = async () => sampleValue(await read(), 'vitrail_variant_cache_hits_total');
  const misses = async () => sampleValue(await read(), 'vitrail_variant_cache_misses_total');
  const renders = async (operation: string) => sampleValue(await read(), `vitrail_image_processing_seconds_count{operation="${operation}"}`);
  /** Waits until the public path's cache contains a URL, which the route fills after its response. */
  const cached = async (url: string) => {
    const path = new URL(url).pathname + new URL(url).search;
    for (let attempt = 0; attempt < 100 && !server.server.vitrail.publicPath.isCached(path); attempt += 1) await sleep(10);
    assert.equal(server.server.vitrail.publicPath.isCached(path), true, `${path} is cached`);
  };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('counts renders, variant hits and misses', async () => {
    const jpeg = await sharp({ create: { width: 1600, height: 400, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const renditionsBefore = await renders('rendition');
    const media = await uploadMedia(server, 'vitrail-nord.jpg', jpeg);
    assert.ok((await renders('rendition')) > renditionsBefore, 'the upload rendered a rendition or a thumbnail');

    const variantUrl = `${media.url}?w=80`;
    const [hitsBefore, missesBefore, variantsBefore] = [await hits(), await misses(), await renders('variant')];
    const first = await fetch(variantUrl);
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    assert.equal(await misses(), missesBefore + 1);
    assert.equal(await renders('variant'), variantsBefore + 1);
    assert.equal(await hits(), hitsBefore);

    // Served from the public path's cache, then from the stored variant once the cache drops the media.
    await cached(variantUrl);
    await (await fetch(variantUrl)).arrayBuffer();
    assert.equal(await hits(), hitsBefore + 1);
    server.server.vitrail.publicPath.invalidate(media.id);
    await (await fetch(variantUrl)).arrayBuffer();
    assert.equal(await hits(), hitsBefore + 2);
    assert.equal(await misses(), missesBefore + 1, 'rendered once');
    assert.equal(await renders('variant'), variantsBefore + 1);
  });

  it('ignores queries without variant parameters', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#993366' } }).jpeg().toBuffer();
    const media = await uploadMedia(server, 'rosace.jpg', jpeg);
    const taggedUrl = `${media.url}?utm_source=bulletin`;
    const [hitsBefore, missesBefore] = [await hits(), await misses()];

    await (await fetch(taggedUrl)).arrayBuffer();
    await cached(taggedUrl);
    await (await fetch(taggedUrl)).arrayBuffer();
    assert.equal(await hits(), hitsBefore);
    assert.equal(await misses(), missesBefore);
  });
});
