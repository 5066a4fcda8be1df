import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';

interface MediaJson {
  id: string;
  name: string;
  url: string;
  folder: string;
  mime: string;
  sha256: string;
  uploader?: { email: string } | null;
}

async function created(response: Response): Promise<MediaJson> {
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as MediaJson;
}

describe('media library', () => {
  let server: TestServer;
  let png: MediaJson;
  let pdf: MediaJson;
  let text: MediaJson;

  before(async () => {
    server = await startTestServer({ VITRAIL_ALLOWED_TYPES: 'image/*,application/pdf,application/zip' });
    const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#aa0000' } }).png().toBuffer();
    png = await created(await upload(server, { name: 'Zèbre.png', content: image, fields: { folder: 'Kermesse 2026' } }));
    pdf = await created(await upload(server, { name: 'affiche.pdf', content: MINIMAL_PDF }));
    const zip = Buffer.concat([Buffer.from('PK\u0005\u0006'), Buffer.alloc(18)]);
    text = await created(await upload(server, { name: 'archive.zip', content: zip, fields: { folder: 'Kermesse 2026' } }));
  });
  after(async () => {
    await server.close();
  });

  const list = async (query: string): Promise<{ items: MediaJson[]; nextCursor: string | null }> => {
    const response = await fetch(`${server.url}/api/v1/media?${query}`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as { items: MediaJson[]; nextCursor: string | null };
  };

  it('stores the folder given at upload', () => {
    assert.equal(png.folder, 'Kermesse 2026');
    assert.equal(pdf.folder, '');
  });

  it('filters by folder', async () => {
    const inFolder = await list(`folder=${encodeURIComponent('Kermesse 2026')}`);
    assert.deepEqual(inFolder.items.map((item) => item.id).sort(), [png.id, text.id].sort());
    const inNone = await list('folder=');
    assert.deepEqual(inNone.items.map((item) => item.id), [pdf.id]);
  });

  it('filters by type', async () => {
    assert.deepEqual((await list('type=image')).items.map((item) => item.id), [png.id]);
    assert.deepEqual((await list('type=pdf')).items.map((item) => item.id), [pdf.id]);
    assert.deepEqual((await list('type=other')).items.map((item) => item.id), [text.id]);
  });

  it('sorts by name, age and size', async () => {
    assert.deepEqual((await list('sort=name')).items.map((item) => item.name), ['affiche.pdf', 'archive.zip', 'Zèbre.png']);
    assert.deepEqual((await list('sort=oldest')).items.map((item) => item.id), [png.id, pdf.id, text.id]);
    assert.deepEqual((await list('sort=newest')).items.map((item) => item.id), [text.id, pdf.id, png.id]);
    const largest = (await list('sort=largest')).items.map((item) => item.id);
    assert.equal(largest.length, 3);
    assert.equal(largest[2], text.id);
  });

  it('pages through a sorted listing without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: MediaJson[]; nextCursor: string | null } = await list(`sort=name&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...page.items.map((item) => item.name));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, ['affiche.pdf', 'archive.zip', 'Zèbre.png']);
  });

  it('rejects an unknown sort', async () => {
    const response = await fetch(`${server.url}/api/v1/media?sort=colour`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 400);
  });

  it('moves to another folder without changing the URL', async () => {
    const response = await fetch(`${server.url}/api/v1/media/${pdf.id}`, {
      method: 'PATCH',
      headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
      body: JSON.stringify({ folder: '  Affiches  ' }),
    });
    assert.equal(response.status, 200);
    const moved = (await response.json()) as MediaJson;
    assert.equal(moved.folder, 'Affiches');
    assert.equal(moved.url, pdf.url);
    assert.equal((await fetch(pdf.url)).status, 200);
  });

  it('lists folders with their counts', async () => {
    const response = await fetch(`${server.url}/api/v1/folders`, { headers: bearer(server.editorToken) });
    const body = (await response.json()) as { items: { folder: string; count: number }[] };
    assert.deepEqual(body.items, [
      { folder: 'Affiches', count: 1 },
      { folder: 'Kermesse 2026', count: 2 },
    ]);
  });

  it('names the uploader in the detail', async () => {
    const response = await fetch(`${server.url}/api/v1/media/${png.id}`, { headers: bearer(server.editorToken) });
    const body = (await response.json()) as MediaJson;
    assert.equal(body.uploader?.email, 'editor@example.org');
  });

  it('lists the trash and empties it by purge', async () => {
    const victim = await created(await upload(server, { name: 'doublon.pdf', content: `${MINIMAL_PDF}%unique\n` }));
    assert.equal((await fetch(`${server.url}/api/v1/media/${victim.id}`, { method: 'DELETE', headers: bearer(server.editorToken) })).status, 200);
    assert.deepEqual((await list('trash=true')).items.map((item) => item.id), [victim.id]);
    assert.ok(!(await list('')).items.some((item) => item.id === victim.id));

    const byEditor = await fetch(`${server.url}/api/v1/media/${victim.id}?permanent=true`, { method: 'DELETE', headers: bearer(server.editorToken) });
    assert.equal(byEditor.status, 403);
    const byAdmin = await fetch(`${server.url}/api/v1/media/${victim.id}?permanent=true`, { method: 'DELETE', headers: bearer(server.adminToken) });
    assert.equal(byAdmin.status, 200);
    assert.deepEqual((await list('trash=true')).items, []);
  });
});
