import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { HOSTILE_SVG, pixelAt, threeFrameGif, transparentPngWithBlueSquare, twelveMegapixelPhoto, uploadMedia, type MediaJson } from '../support/images.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

async function fetchBytes(url: string, init?: RequestInit): Promise<{ response: Response; body: Buffer }> {
  const response = await fetch(url, init);
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

async function countVariantRows(server: TestServer, mediaId: string): Promise<number> {
  const row = await server.server.vitrail.db
    .selectFrom('media_derived_blobs')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('media_id', '=', mediaId)
    .where('kind', '=', 'variant')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

async function countBlobs(server: TestServer): Promise<number> {
  let count = 0;
  for await (const _blob of server.server.vitrail.blobs.list()) count += 1;
  return count;
}

describe('image variants on public URLs', () => {
  let server: TestServer;
  let photo: MediaJson;
  let gif: MediaJson;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(32 * 1024 * 1024), VITRAIL_VARIANTS_PER_MEDIA: '3' });
    const small = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3366aa' } }).jpeg().toBuffer();
    photo = await uploadMedia(server, 'photo.jpg', small);
    gif = await uploadMedia(server, 'anime.gif', await threeFrameGif());
  });
  after(async () => {
    await server.close();
  });

  it('flattens a transparent PNG on white when asked as format=jpeg', async () => {
    const media = await uploadMedia(server, 'carre.png', await transparentPngWithBlueSquare());
    const { response, body } = await fetchBytes(`${media.url}?format=jpeg`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.equal((await sharp(body).metadata()).format, 'jpeg');
    for (const [x, y] of [
      [2, 2],
      [97, 2],
      [2, 97],
      [97, 97],
    ] as const) {
      const [r, g, b] = await pixelAt(body, x, y);
      for (const channel of [r, g, b]) assert.ok(channel > 245, `corner ${x},${y} should be white, got ${r},${g},${b}`);
    }
    const [r, g, b] = await pixelAt(body, 50, 50);
    assert.ok(b > 200, `centre should be blue, got ${r},${g},${b}`);
    assert.ok(r < 40, `centre should be blue, got ${r},${g},${b}`);
    assert.ok(g < 40, `centre should be blue, got ${r},${g},${b}`);
  });

  it('keeps the three frames, delays and looping of an animated GIF at w=400', async () => {
    assert.equal(gif.rendition?.mime, 'image/gif');
    const { response, body } = await fetchBytes(`${gif.url}?w=400`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/gif');
    const metadata = await sharp(body, { animated: true }).metadata();
    assert.equal(metadata.format, 'gif');
    assert.equal(metadata.pages, 3);
    assert.equal(metadata.width, 400);
    assert.equal(metadata.pageHeight, 300);
    assert.deepEqual(metadata.delay, [100, 200, 300]);
    assert.equal(metadata.loop, 0);
  });

  it('honours w and h with each fit', async () => {
    const sizes: Record<string, [number, number]> = { cover: [300, 300], contain: [300, 300], inside: [300, 225] };
    for (const [fit, [width, height]] of Object.entries(sizes)) {
      const { body } = await fetchBytes(`${photo.url}?w=300&h=300&fit=${fit}&format=png`);
      const metadata = await sharp(body).metadata();
      assert.deepEqual([metadata.width, metadata.height], [width, height], `fit=${fit}`);
    }
  });

  it('never enlarges unless asked', async () => {
    const { body } = await fetchBytes(`${photo.url}?w=2000`);
    assert.equal((await sharp(body).metadata()).width, 800);
    const cropped = await sharp((await fetchBytes(`${photo.url}?w=1000&h=500&fit=cover`)).body).metadata();
    assert.deepEqual([cropped.width, cropped.height], [800, 500]);
    const enlarged = await fetchBytes(`${photo.url}?w=1000&enlarge=1`);
    assert.equal((await sharp(enlarged.body).metadata()).width, 1000);
  });

  it("honours Mosaico's exact sizes: method=cover and method=resize", async () => {
    const cover = await fetchBytes(`${photo.url}?method=cover&width=534&height=258`);
    assert.equal(cover.response.status, 200);
    const coverMetadata = await sharp(cover.body).metadata();
    assert.deepEqual([coverMetadata.width, coverMetadata.height], [534, 258]);
    const resize = await fetchBytes(`${photo.url}?method=resize&width=258&height=null`);
    const resizeMetadata = await sharp(resize.body).metadata();
    assert.deepEqual([resizeMetadata.width, resizeMetadata.height], [258, 194]);
  });

  it('chooses the format from the URL, never from Accept, and ignores unknown parameters', async () => {
    const plain = await fetchBytes(`${photo.url}?w=200`, { headers: { accept: 'image/avif,image/webp,*/*' } });
    assert.equal(plain.response.headers.get('content-type'), 'image/jpeg');
    const tracked = await fetchBytes(`${photo.url}?utm_source=civicrm&w=200&utm_campaign=noel`);
    assert.equal(tracked.response.headers.get('etag'), plain.response.headers.get('etag'));
    assert.deepEqual(tracked.body, plain.body);
    const untracked = await fetchBytes(`${photo.url}?utm_source=civicrm`);
    assert.equal(untracked.response.headers.get('etag'), (await fetch(photo.url)).headers.get('etag'));
    const webp = await fetchBytes(`${photo.url}?w=200&format=webp`);
    assert.equal(webp.response.headers.get('content-type'), 'image/webp');
    assert.equal((await sharp(webp.body).metadata()).format, 'webp');
    const avif = await fetchBytes(`${photo.url}?w=120&format=avif&q=50`);
    assert.equal(avif.response.headers.get('content-type'), 'image/avif');
    const avifMetadata = await sharp(avif.body).metadata();
    assert.equal(avifMetadata.format, 'heif');
    assert.equal(avifMetadata.compression, 'av1');
  });

  it('matches GET headers on HEAD', async () => {
    const head = await fetchBytes(`${photo.url}?w=120&format=png`, { method: 'HEAD' });
    const get = await fetchBytes(`${photo.url}?w=120&format=png`);
    assert.equal(head.response.status, 200);
    assert.equal(head.body.length, 0);
    for (const name of ['etag', 'content-length', 'content-type', 'cache-control', 'last-modified', 'content-disposition']) {
      assert.equal(head.response.headers.get(name), get.response.headers.get(name), name);
    }
    assert.equal(get.response.headers.get('etag'), `"${createHash('sha256').update(get.body).digest('hex')}"`);
    assert.equal(Number(get.response.headers.get('content-length')), get.body.length);
  });

  it('answers 304 and 206 on a variant like on any media', async () => {
    const first = await fetch(`${photo.url}?w=120&format=png`);
    const etag = first.headers.get('etag') ?? '';
    await first.arrayBuffer();
    const notModified = await fetch(`${photo.url}?w=120&format=png`, { headers: { 'if-none-match': etag } });
    assert.equal(notModified.status, 304);
    const partial = await fetchBytes(`${photo.url}?w=120&format=png`, { headers: { range: 'bytes=0-9' } });
    assert.equal(partial.response.status, 206);
    assert.equal(partial.body.length, 10);
    assert.deepEqual(partial.body, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
  });

  it('refuses invalid parameters with 400', async () => {
    for (const query of ['w=abc', 'w=0', 'w=99999', 'format=bmp', 'fit=fill', 'q=101', 'method=crop&width=10&height=10', 'method=cover&width=10', 'w=10&w=20']) {
      const response = await fetch(`${photo.url}?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_VARIANT_INVALID', query);
    }
  });

  it('stops storing variants past the cap, and still answers', async () => {
    const media = await uploadMedia(server, 'cap.jpg', await sharp({ create: { width: 640, height: 480, channels: 3, background: '#884422' } }).jpeg().toBuffer());
    for (const width of [100, 110, 120]) {
      assert.equal((await fetchBytes(`${media.url}?w=${width}`)).response.status, 200);
    }
    assert.equal(await countVariantRows(server, media.id), 3);
    const blobsAtCap = await countBlobs(server);

    const past = await fetchBytes(`${media.url}?w=130`);
    assert.equal(past.response.status, 200);
    assert.equal((await sharp(past.body).metadata()).width, 130);
    assert.equal(past.response.headers.get('etag'), `"${createHash('sha256').update(past.body).digest('hex')}"`);
    assert.equal(await countVariantRows(server, media.id), 3);
    assert.equal(await countBlobs(server), blobsAtCap);

    // A variant stored before the cap is still served from the store.
    const again = await fetchBytes(`${media.url}?w=110`);
    assert.equal((await sharp(again.body).metadata()).width, 110);
    assert.equal(await countBlobs(server), blobsAtCap);
  });

  it('rasterises an SVG with format=png', async () => {
    const svg = await uploadMedia(server, 'logo.svg', HOSTILE_SVG);
    assert.equal(svg.mime, 'image/svg+xml');
    assert.equal(svg.rendition, null);
    const { response, body } = await fetchBytes(`${svg.url}?format=png`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    const metadata = await sharp(body).metadata();
    assert.equal(metadata.format, 'png');
    assert.deepEqual([metadata.width, metadata.height], [120, 80]);
    const [r, g, b] = await pixelAt(body, 10, 10);
    assert.deepEqual([r, g, b], [0x22, 0xaa, 0x77]);
  });

  it('refuses variants of a file that is not an image', async () => {
    const pdf = await uploadMedia(server, 'doc.pdf', '%PDF-1.4\n%%EOF\n');
    const variant = await fetch(`${pdf.url}?w=100`);
    assert.equal(variant.status, 400);
    const plain = await fetch(`${pdf.url}?utm_source=x`);
    assert.equal(plain.status, 200);
  });

  it('serves a 12-megapixel photo variant from the original, not the rendition', async () => {
    const media = await uploadMedia(server, 'grand.jpg', await twelveMegapixelPhoto());
    const { body } = await fetchBytes(`${media.url}?w=2000`);
    assert.equal((await sharp(body).metadata()).width, 2000);
  });
});
