import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import {
  declaredSizePng,
  heicPhoto,
  pixelAt,
  sidewaysJpeg,
  transparentPngWithBlueSquare,
  truncatedJpeg,
  twelveMegapixelPhoto,
  uploadMedia,
  type MediaJson,
} from '../support/images.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { countMediaRows, stagingLeftovers, upload } from '../support/uploads.js';

async function countBlobs(server: TestServer): Promise<number> {
  let count = 0;
  for await (const _blob of server.server.vitrail.blobs.list()) count += 1;
  return count;
}

async function fetchBytes(url: string, init?: RequestInit): Promise<{ response: Response; body: Buffer }> {
  const response = await fetch(url, init);
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('image uploads', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(32 * 1024 * 1024) });
  });
  after(async () => {
    await server.close();
  });

  it('turns an EXIF orientation 6 JPEG upright and strips its EXIF', async () => {
    const media = await uploadMedia(server, 'couche.jpg', await sidewaysJpeg());
    assert.equal(media.width, 100);
    assert.equal(media.height, 200);
    const { response, body } = await fetchBytes(media.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    const metadata = await sharp(body).metadata();
    assert.equal(metadata.width, 100);
    assert.equal(metadata.height, 200);
    assert.equal(metadata.exif, undefined);
    assert.equal(metadata.orientation, undefined);
    // Turned a quarter clockwise, the red left half is now on top and the blue right half below.
    const [topRed, , topBlue] = await pixelAt(body, 50, 40);
    const [bottomRed, , bottomBlue] = await pixelAt(body, 50, 160);
    assert.ok(topRed > 200, `top pixel should be red, got red ${topRed}`);
    assert.ok(topBlue < 60, `top pixel should be red, got blue ${topBlue}`);
    assert.ok(bottomBlue > 200, `bottom pixel should be blue, got blue ${bottomBlue}`);
    assert.ok(bottomRed < 60, `bottom pixel should be blue, got red ${bottomRed}`);
    assert.equal(response.headers.get('etag'), `"${sha256(body)}"`);
    assert.notEqual(sha256(body), media.sha256);
  });

  it('shrinks a 12-megapixel photo for mail', async () => {
    const photo = await twelveMegapixelPhoto();
    assert.ok((await sharp(photo).metadata()).exif !== undefined, 'the fixture must carry EXIF');
    const media = await uploadMedia(server, 'IMG_4000.JPG', photo);
    assert.equal(media.width, 4000);
    assert.equal(media.size, photo.length);
    assert.equal(media.sha256, sha256(photo));
    const { response, body } = await fetchBytes(media.url);
    assert.equal(response.status, 200);
    const metadata = await sharp(body).metadata();
    assert.equal(metadata.format, 'jpeg');
    assert.ok(metadata.width <= 1200, `rendition is ${metadata.width} px wide`);
    assert.equal(metadata.width, 1200);
    assert.equal(metadata.height, 900);
    assert.ok(body.length < 500 * 1024, `rendition weighs ${body.length} bytes`);
    assert.equal(metadata.exif, undefined);
    assert.equal(metadata.icc, undefined);
    assert.deepEqual(media.rendition, { mime: 'image/jpeg', size: body.length, width: 1200, height: 900 });
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#cc3322' } }).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    const media = await uploadMedia(server, 'imprimerie.jpg', cmyk);
    const { body } = await fetchBytes(media.url);
    const metadata = await sharp(body).metadata();
    assert.equal(metadata.space, 'srgb');
    assert.equal(metadata.channels, 3);
    const [red, green, blue] = await pixelAt(body, 150, 100);
    assert.ok(red > 150, `red channel ${red}`);
    assert.ok(green < 110, `green channel ${green}`);
    assert.ok(blue < 110, `blue channel ${blue}`);
  });

  it('converts a Display P3 photo to sRGB', async () => {
    const p3 = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } }).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    assert.notEqual((await sharp(p3).metadata()).icc, undefined);
    const media = await uploadMedia(server, 'iphone-p3.jpg', p3);
    assert.notEqual(media.rendition?.size, p3.length);
    const { body } = await fetchBytes(media.url);
    const metadata = await sharp(body).metadata();
    assert.equal(metadata.icc, undefined);
    assert.equal(metadata.space, 'srgb');
    const [red, green, blue] = await pixelAt(body, 32, 32);
    assert.ok(red > 240, `red channel ${red}`);
    assert.ok(green < 20, `green channel ${green}`);
    assert.ok(blue < 20, `blue channel ${blue}`);
  });

  it('renders an animated WebP as an animated GIF', async () => {
    const frames = await Promise.all(
      ['#ff0000', '#0000ff'].map((background) => sharp({ create: { width: 120, height: 90, channels: 4, background } }).png().toBuffer()),
    );
    const webp = await sharp(frames, { join: { animated: true } }).webp({ delay: [150, 250], loop: 0 }).toBuffer();
    const media = await uploadMedia(server, 'anime.webp', webp);
    assert.equal(media.rendition?.mime, 'image/gif');
    assert.match(media.url, /\/anime\.gif$/);
    const { body } = await fetchBytes(media.url);
    const metadata = await sharp(body, { animated: true }).metadata();
    assert.equal(metadata.format, 'gif');
    assert.equal(metadata.pages, 2);
    assert.deepEqual(metadata.delay, [150, 250]);
  });

  it('keeps the original bytes when they are already mail-ready', async () => {
    const png = await transparentPngWithBlueSquare();
    const media = await uploadMedia(server, 'carre.png', png);
    assert.equal(media.rendition?.mime, 'image/png');
    assert.equal(media.rendition?.size, png.length);
    const { response, body } = await fetchBytes(media.url);
    assert.deepEqual(body, png);
    assert.equal(response.headers.get('etag'), `"${media.sha256}"`);
    assert.equal((await sharp(body).metadata()).hasAlpha, true);
  });

  it('refuses a JPEG cut in half with 422 and stores nothing', async () => {
    const rowsBefore = await countMediaRows(server);
    const blobsBefore = await countBlobs(server);
    const response = await upload(server, { name: 'moitie.jpg', content: await truncatedJpeg() });
    assert.equal(response.status, 422);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'VITRAIL_IMAGE_UNREADABLE');
    assert.match(body.error.message, /moitie\.jpg/);
    assert.equal(await countMediaRows(server), rowsBefore);
    assert.equal(await countBlobs(server), blobsBefore);
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('refuses a PNG declaring 30000×30000 pixels from its header, with 413', async () => {
    const bomb = declaredSizePng(30_000, 30_000, 3500);
    assert.ok(bomb.length > 50_000, `the bomb weighs ${bomb.length} bytes`);
    assert.ok(bomb.length < 200_000, `the bomb weighs ${bomb.length} bytes`);
    const rowsBefore = await countMediaRows(server);
    const blobsBefore = await countBlobs(server);
    const response = await upload(server, { name: 'bombe.png', content: bomb });
    assert.equal(response.status, 413);
    const body = (await response.json()) as { error: { code: string; message: string } };
    // This code comes only from the header check; a refusal while decoding would be VITRAIL_IMAGE_UNREADABLE.
    assert.equal(body.error.code, 'VITRAIL_IMAGE_TOO_MANY_PIXELS');
    assert.match(body.error.message, /30000×30000/);
    assert.equal(await countMediaRows(server), rowsBefore);
    assert.equal(await countBlobs(server), blobsBefore);
  });

  it('refuses a 1×50000000 strip from its header, with 413', async () => {
    // Under the pixel limit, but no encoder takes a side that long.
    const response = await upload(server, { name: 'bande.png', content: declaredSizePng(1, 50_000_000, 10) });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_IMAGE_TOO_MANY_PIXELS');
  });

  it('renders a HEIC photo as JPEG', async () => {
    const heic = await heicPhoto();
    const media = await uploadMedia(server, 'IMG_0001.HEIC', heic);
    assert.equal(media.mime, 'image/heic');
    assert.equal(media.width, 640);
    assert.equal(media.height, 480);
    assert.equal(media.rendition?.mime, 'image/jpeg');
    assert.match(media.url, /\/IMG_0001\.jpg$/);

    const { response, body } = await fetchBytes(media.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    const metadata = await sharp(body).metadata();
    assert.equal(metadata.format, 'jpeg');
    assert.equal(metadata.width, 640);
    assert.equal(metadata.height, 480);
    const [leftRed, , leftBlue] = await pixelAt(body, 100, 240);
    const [rightRed, , rightBlue] = await pixelAt(body, 540, 240);
    assert.ok(leftRed > 180, `left should be orange, got red ${leftRed}`);
    assert.ok(leftBlue < 90, `left should be orange, got blue ${leftBlue}`);
    assert.ok(rightRed < 90, `right should be teal, got red ${rightRed}`);
    assert.ok(rightBlue > 120, `right should be teal, got blue ${rightBlue}`);

    const variant = await fetchBytes(`${media.url}?w=320`);
    assert.equal(variant.response.headers.get('content-type'), 'image/jpeg');
    const variantMetadata = await sharp(variant.body).metadata();
    assert.deepEqual([variantMetadata.width, variantMetadata.height], [320, 240]);

    const original = await fetchBytes(`${server.url}/api/v1/media/${media.id}/original`, { headers: bearer(server.editorToken) });
    assert.equal(original.response.status, 200);
    assert.equal(original.response.headers.get('content-type'), 'image/heic');
    assert.deepEqual(original.body, heic);
  });

  it('serves the original to editors only, at /api/v1/media/<id>/original', async () => {
    const photo = await sidewaysJpeg();
    const media = await uploadMedia(server, 'original.jpg', photo);
    const anonymous = await fetch(`${server.url}/api/v1/media/${media.id}/original`);
    assert.equal(anonymous.status, 401);
    const { response, body } = await fetchBytes(`${server.url}/api/v1/media/${media.id}/original`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200);
    assert.deepEqual(body, photo);
    assert.equal(response.headers.get('etag'), `"${media.sha256}"`);
    assert.equal(response.headers.get('cache-control'), 'private, no-cache');
  });

  it('publishes the original instead of the rendition when the editor asks', async () => {
    const photo = await sidewaysJpeg();
    const media = await uploadMedia(server, 'brut.jpg', photo);
    const patched = await fetch(`${server.url}/api/v1/media/${media.id}`, {
      method: 'PATCH',
      headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
      body: JSON.stringify({ publishOriginal: true }),
    });
    assert.equal(patched.status, 200);
    assert.equal(((await patched.json()) as MediaJson).publishOriginal, true);
    const { response, body } = await fetchBytes(media.url);
    assert.deepEqual(body, photo);
    assert.equal(response.headers.get('etag'), `"${media.sha256}"`);
  });

  it('makes a small thumbnail at upload, served to editors', async () => {
    const media = await uploadMedia(server, 'vignette.jpg', await twelveMegapixelPhoto());
    assert.equal(media.thumbnailPath, `/api/v1/media/${media.id}/thumbnail`);
    assert.equal((await fetch(`${server.url}${media.thumbnailPath}`)).status, 401);
    const { response, body } = await fetchBytes(`${server.url}${media.thumbnailPath}`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/webp');
    const metadata = await sharp(body).metadata();
    assert.equal(metadata.width, 320);
    assert.equal(metadata.height, 240);
  });

  it('queues a burst of uploads', async () => {
    const single = await startTestServer({ VITRAIL_IMAGE_CONCURRENCY: '1' });
    try {
      const colours = ['#aa0000', '#00aa00', '#0000aa', '#aaaa00', '#00aaaa'];
      const photos = await Promise.all(
        colours.map((background) => sharp({ create: { width: 1600, height: 1200, channels: 3, background } }).jpeg().toBuffer()),
      );
      const created = await Promise.all(photos.map((photo, index) => uploadMedia(single, `rafale-${index}.jpg`, photo)));
      for (const media of created) assert.equal(media.rendition?.width, 1200);
      assert.equal(await countMediaRows(single), colours.length);
    } finally {
      await single.close();
    }
  });

  it('answers 404 for the thumbnail of a file that is not an image', async () => {
    const response = await upload(server, { name: 'doc.pdf', content: '%PDF-1.4\n%%EOF\n' });
    const media = (await response.json()) as MediaJson;
    assert.equal(media.thumbnailPath, null);
    assert.equal(media.rendition, null);
    const thumbnail = await fetch(`${server.url}/api/v1/media/${media.id}/thumbnail`, { headers: bearer(server.editorToken) });
    assert.equal(thumbnail.status, 404);
    assert.equal(((await thumbnail.json()) as { error: { code: string } }).error.code, 'VITRAIL_MEDIA_NO_THUMBNAIL');
  });
});
