import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { cleanFileName, hasUsableName } from '../../src/media/file-names.js';
import { encodeRfc5987, NAUGHTY_STRINGS } from '../support/naughty-strings.js';
import { MINIMAL_PDF, rawMultipart, stagingLeftovers, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface MediaJson {
  id: string;
  name: string;
  alt: string;
  url: string;
}

describe('naughty strings', () => {
  let server: TestServer;
  let media: MediaJson;

  before(async () => {
    server = await startTestServer();
    media = (await (await upload(server, { name: 'cible.pdf', content: MINIMAL_PDF })).json()) as MediaJson;
  });
  after(async () => {
    await server.close();
  });

  it('stores each as an alt text and reads it back exactly', async () => {
    for (const text of NAUGHTY_STRINGS) {
      const response = await fetch(`${server.url}/api/v1/media/${media.id}`, {
        method: 'PATCH',
        headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
        body: JSON.stringify({ alt: text }),
      });
      assert.ok(response.status < 500, `alt ${JSON.stringify(text)}: ${response.status}`);
      if (response.status !== 200) continue;
      const stored = (await response.json()) as MediaJson;
      const expected = text.normalize('NFC').replace(/\p{Cc}/gu, ' ').trim();
      assert.equal(stored.alt, expected, `alt ${JSON.stringify(text)}`);
      const reread = (await (await fetch(`${server.url}/api/v1/media/${media.id}`, { headers: bearer(server.editorToken) })).json()) as MediaJson;
      assert.equal(reread.alt, expected);
    }
  });

  it('stores each as a file name, serves it, and writes nothing outside the data directory', async () => {
    for (const text of NAUGHTY_STRINGS) {
      // filename* (RFC 5987) carries any name exactly; a quoted filename cannot hold every string.
      const { body, contentType } = rawMultipart([
        {
          headers: `Content-Disposition: form-data; name="file"; filename*=UTF-8''${encodeRfc5987(text)}`,
          body: MINIMAL_PDF,
        },
      ]);
      const response = await fetch(`${server.url}/api/v1/media`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'content-type': contentType },
        body,
      });
      assert.ok(response.status < 500, `name ${JSON.stringify(text)}: ${response.status}`);
      assert.equal(response.status, 201, `name ${JSON.stringify(text)}`);
      const stored = (await response.json()) as MediaJson;
      assert.equal(stored.name, cleanFileName(text, 'pdf'));
      assert.equal(stored.name, stored.name.normalize('NFC'));
      const served = await fetch(stored.url);
      assert.equal(served.status, 200, `serving ${JSON.stringify(text)} at ${stored.url}`);
      await served.arrayBuffer();
    }
    assert.deepEqual((await readdir(server.dataDir)).sort(), ['blobs', 'tmp', 'vitrail.db', 'vitrail.db-shm', 'vitrail.db-wal']);
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('renames to each and reads it back exactly', async () => {
    for (const text of NAUGHTY_STRINGS) {
      const response = await fetch(`${server.url}/api/v1/media/${media.id}`, {
        method: 'PATCH',
        headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
        body: JSON.stringify({ name: text }),
      });
      assert.ok(response.status < 500, `rename ${JSON.stringify(text)}: ${response.status}`);
      if (!hasUsableName(text)) {
        assert.equal(response.status, 400, `rename ${JSON.stringify(text)}`);
        continue;
      }
      assert.equal(response.status, 200, `rename ${JSON.stringify(text)}`);
      assert.equal(((await response.json()) as MediaJson).name, cleanFileName(text, 'pdf'));
    }
  });

  it('searches for each without a server error', async () => {
    for (const text of NAUGHTY_STRINGS.filter((candidate) => candidate.length <= 200)) {
      const response = await fetch(`${server.url}/api/v1/media?q=${encodeURIComponent(text)}`, { headers: bearer(server.editorToken) });
      assert.ok(response.status === 200 || response.status === 400, `search ${JSON.stringify(text)}: ${response.status}`);
      await response.arrayBuffer();
    }
  });

  it('answers each as a public URL name segment', async () => {
    for (const text of NAUGHTY_STRINGS) {
      const response = await fetch(`${server.url}/m/${media.id}/${encodeURIComponent(text)}`);
      assert.ok(response.status < 500, `name segment ${JSON.stringify(text)}: ${response.status}`);
      await response.arrayBuffer();
    }
  });
});
