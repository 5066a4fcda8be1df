import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { parseMosaicoImageQuery } from '../../src/integrations/mosaico-image-request.js';
import { mediaIdFromSource } from '../../src/integrations/mosaico-sources.js';
import { VitrailError } from '../../src/errors/catalogue.js';
import { makePng } from '../support/editor-requests.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';

const isInvalid = (pattern: RegExp) => (error: unknown) =>
  error instanceof VitrailError && error.code === 'VITRAIL_MOSAICO_REQUEST_INVALID' && pattern.test(error.message);

describe('parseMosaicoImageQuery', () => {
  it('reads resize with a null side', () => {
    assert.deepEqual(parseMosaicoImageQuery({ src: 'http://v/m/x', method: 'resize', params: '600,null' }), {
      method: 'resize',
      src: 'http://v/m/x',
      width: 600,
      height: undefined,
    });
  });

  it('reads cover and placeholder', () => {
    assert.deepEqual(parseMosaicoImageQuery({ src: 's', method: 'cover', params: '258,100' }), { method: 'cover', src: 's', width: 258, height: 100 });
    assert.deepEqual(parseMosaicoImageQuery({ method: 'placeholder', params: '534,200' }), { method: 'placeholder', width: 534, height: 200 });
  });

  const rejected: [Record<string, unknown>, RegExp][] = [
    [{ src: 's', method: 'crop', params: '1,1' }, /method must be one of resize, cover, placeholder, not "crop"/],
    [{ src: 's', method: 'resize' }, /params is missing/],
    [{ src: 's', method: 'resize', params: '600' }, /two sides/],
    [{ src: 's', method: 'resize', params: 'null,null' }, /at least one side/],
    [{ src: 's', method: 'cover', params: '600,null' }, /method=cover needs both sides/],
    [{ method: 'placeholder', params: '600,null' }, /placeholder needs both sides/],
    [{ method: 'resize', params: '600,null' }, /needs src/],
    [{ src: 's', method: 'resize', params: '4001,null' }, /from 1 to 4000/],
    [{ src: 's', method: 'resize', params: '0,10' }, /from 1 to 4000/],
    [{ src: 's', method: 'resize', params: '-5,10' }, /from 1 to 4000/],
    [{ method: 'placeholder', params: '4000,4001' }, /from 1 to 4000/],
    [{ src: ['a', 'b'], method: 'resize', params: '1,1' }, /"src" is given more than once/],
  ];
  for (const [query, message] of rejected) {
    it(`rejects ${JSON.stringify(query)}`, () => {
      assert.throws(() => parseMosaicoImageQuery(query), isInvalid(message));
    });
  }
});

describe('mediaIdFromSource', () => {
  const base = 'https://media.paroisse.example';
  const id = 'abcdefghij0123456789';

  it('returns the id of a public media URL', () => {
    assert.equal(mediaIdFromSource(`${base}/m/${id}/photo.jpg`, base), id);
    assert.equal(mediaIdFromSource(`${base}/m/${id}/photo.jpg?method=resize&width=10`, base), id);
    assert.equal(mediaIdFromSource(`https://media.paroisse.example/vitrail/m/${id}/p.png`, `${base}/vitrail`), id);
  });

  for (const src of [
    `https://evil.example/m/${id}/photo.jpg`,
    `http://media.paroisse.example/m/${id}/photo.jpg`,
    `https://media.paroisse.example:8443/m/${id}/photo.jpg`,
    `https://user:pw@media.paroisse.example/m/${id}/photo.jpg`,
    `https://media.paroisse.example/api/v1/media/${id}`,
    `https://media.paroisse.example/m/short/photo.jpg`,
    `/m/${id}/photo.jpg`,
    'file:///etc/passwd',
    'not a url',
  ]) {
    it(`rejects ${src}`, () => {
      assert.throws(() => mediaIdFromSource(src, base), (error: unknown) => error instanceof VitrailError && error.code === 'VITRAIL_MOSAICO_SOURCE_REJECTED');
    });
  }
});

describe('Mosaico image processor', () => {
  let server: TestServer;
  let imageUrl: string;
  let privateUrl: string;

  before(async () => {
    server = await startTestServer();
    const png = await makePng(300, 200);
    imageUrl = ((await (await upload(server, { name: 'nef.png', content: png })).json()) as { url: string }).url;
    const hidden = await upload(server, { name: 'prive.png', content: png, fields: { visibility: 'private' } });
    privateUrl = ((await hidden.json()) as { url: string }).url;
  });
  after(() => server.close());

  const processor = (query: Record<string, string>) => `${server.url}/integrations/mosaico/img?${new URLSearchParams(query).toString()}`;

  it('draws a grey placeholder of the exact size', async () => {
    const response = await fetch(processor({ method: 'placeholder', params: '534,200' }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.match(response.headers.get('cache-control') ?? '', /public/);
    const image = sharp(Buffer.from(await response.arrayBuffer()));
    const metadata = await image.metadata();
    assert.equal(metadata.width, 534);
    assert.equal(metadata.height, 200);
    const stats = await image.stats();
    assert.equal(stats.isOpaque, true);
    for (const channel of stats.channels.slice(0, 3)) {
      assert.equal(channel.min, channel.max, 'a placeholder is one flat colour');
      assert.equal(channel.min, 0xcc);
    }
  });

  it('answers placeholders with ETag, 304 and HEAD', async () => {
    const url = processor({ method: 'placeholder', params: '100,50' });
    const first = await fetch(url);
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"[0-9a-f]{64}"$/);
    const length = (await first.arrayBuffer()).byteLength;

    const again = await fetch(url, { headers: { 'if-none-match': etag ?? '' } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);

    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it('needs no token and sends no cookie', async () => {
    const response = await fetch(processor({ method: 'placeholder', params: '10,10' }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('set-cookie'), null);
  });

  it('resizes within the box, one side null', async () => {
    const response = await fetch(processor({ src: imageUrl, method: 'resize', params: '150,null' }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.equal(metadata.width, 150);
    assert.equal(metadata.height, 100);
  });

  it('resizes within both sides', async () => {
    const response = await fetch(processor({ src: imageUrl, method: 'resize', params: '120,40' }));
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.equal(metadata.width, 60);
    assert.equal(metadata.height, 40);
  });

  it('crops to exactly the box with cover', async () => {
    const response = await fetch(processor({ src: imageUrl, method: 'cover', params: '100,100' }));
    assert.equal(response.status, 200);
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.equal(metadata.width, 100);
    assert.equal(metadata.height, 100);
  });

  it('serves the same variant as the public URL form', async () => {
    const fromProcessor = await fetch(processor({ src: imageUrl, method: 'cover', params: '80,60' }));
    const fromPublicUrl = await fetch(`${imageUrl}?method=cover&width=80&height=60`);
    assert.equal(fromProcessor.status, 200);
    assert.equal(fromPublicUrl.status, 200);
    assert.equal(fromProcessor.headers.get('etag'), fromPublicUrl.headers.get('etag'));
    assert.deepEqual(Buffer.from(await fromProcessor.arrayBuffer()), Buffer.from(await fromPublicUrl.arrayBuffer()));
  });

  it('answers variants with ETag, 304 and HEAD', async () => {
    const url = processor({ src: imageUrl, method: 'resize', params: '90,null' });
    const first = await fetch(url);
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"[0-9a-f]{64}"$/);
    assert.match(first.headers.get('cache-control') ?? '', /^public/);
    const length = (await first.arrayBuffer()).byteLength;

    const again = await fetch(url, { headers: { 'if-none-match': etag ?? '' } });
    assert.equal(again.status, 304);

    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('etag'), etag);
    assert.equal(head.headers.get('content-length'), String(length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it('stops serving once the source is trashed', async () => {
    const uploaded = await upload(server, { name: 'ephemere.png', content: await makePng(40, 40) });
    const media = (await uploaded.json()) as { id: string; url: string };
    const url = processor({ src: media.url, method: 'resize', params: '20,null' });
    assert.equal((await fetch(url)).status, 200);
    // The fetch through Mosaico counts, so trashing the source requires a confirmation first.
    const unconfirmed = await fetch(`${server.url}/api/v1/media/${media.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${server.editorToken}` } });
    assert.equal(unconfirmed.status, 409);
    assert.equal(((await unconfirmed.json()) as { error: { code: string } }).error.code, 'VITRAIL_MEDIA_RECENTLY_FETCHED');
    const trashed = await fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, { method: 'DELETE', headers: { authorization: `Bearer ${server.editorToken}` } });
    assert.equal(trashed.status, 200);
    assert.equal((await fetch(url)).status, 404);
  });

  it('rejects a source that is not an image', async () => {
    const pdf = await upload(server, { name: 'bulletin.pdf', content: MINIMAL_PDF });
    const src = ((await pdf.json()) as { url: string }).url;
    const response = await fetch(processor({ src, method: 'resize', params: '100,null' }));
    assert.equal(response.status, 400);
  });

  it('rejects a source on another host', async () => {
    const response = await fetch(processor({ src: 'https://example.org/m/abcdefghij0123456789/a.png', method: 'resize', params: '100,null' }));
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'VITRAIL_MOSAICO_SOURCE_REJECTED');
    assert.match(body.error.message, /serves only Vitrail media/);
  });

  it('answers 404 for a private or unknown media', async () => {
    for (const src of [privateUrl, `${server.url}/m/abcdefghij0123456789/none.png`]) {
      const response = await fetch(processor({ src, method: 'resize', params: '100,null' }));
      assert.equal(response.status, 404, src);
    }
  });

  it('rejects oversized parameters', async () => {
    const response = await fetch(processor({ src: imageUrl, method: 'cover', params: '5000,100' }));
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_MOSAICO_REQUEST_INVALID');
  });
});
