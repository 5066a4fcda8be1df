import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface Page {
  items: { id: string; name: string }[];
}

describe('media search with the trigram index', () => {
  let server: TestServer;
  const ids = new Map<string, string>();

  const search = async (query: string, trash = false): Promise<string[]> => {
    const response = await fetch(`${server.url}/api/v1/media?q=${encodeURIComponent(query)}&trash=${trash}`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200);
    return ((await response.json()) as Page).items.map((item) => item.name).sort();
  };

  before(async () => {
    server = await startTestServer();
    for (const name of ['Église Saint-Jean.pdf', 'eglise-notre-dame.pdf', 'Kermesse 2026.pdf', 'Noël veillée.pdf']) {
      const response = await upload(server, { name, content: MINIMAL_PDF });
      assert.equal(response.status, 201);
      const media = (await response.json()) as { id: string; name: string };
      ids.set(name, media.id);
    }
  });
  after(async () => {
    await server.close();
  });

  it('finds « Église » from « eglise »', async () => {
    assert.deepEqual(await search('eglise'), ['eglise-notre-dame.pdf', 'Église Saint-Jean.pdf'].sort());
    assert.deepEqual(await search('ÉGLISE'), ['eglise-notre-dame.pdf', 'Église Saint-Jean.pdf'].sort());
    assert.deepEqual(await search('Église Saint'), ['Église Saint-Jean.pdf']);
  });

  it('matches substrings of any length', async () => {
    assert.deepEqual(await search('rmess'), ['Kermesse 2026.pdf']);
    assert.deepEqual(await search('ke'), ['Kermesse 2026.pdf']);
    assert.deepEqual(await search('veillée'), ['Noël veillée.pdf']);
    assert.deepEqual(await search('"veillée"'), [], 'quotes in a search are text, not FTS5 syntax');
    assert.deepEqual(await search('zzz'), []);
  });

  it('follows renames and the trash', async () => {
    const id = ids.get('Kermesse 2026.pdf');
    const renamed = await fetch(`${server.url}/api/v1/media/${id}?confirm=true`, {
      method: 'PATCH',
      headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Fête paroissiale.pdf' }),
    });
    assert.equal(renamed.status, 200);
    assert.deepEqual(await search('kermesse'), []);
    assert.deepEqual(await search('fete'), ['Fête paroissiale.pdf']);

    const trashed = await fetch(`${server.url}/api/v1/media/${id}?confirm=true`, { method: 'DELETE', headers: bearer(server.editorToken) });
    assert.equal(trashed.status, 200);
    assert.deepEqual(await search('fete'), []);
    assert.deepEqual(await search('fete', true), ['Fête paroissiale.pdf']);
  });
});
