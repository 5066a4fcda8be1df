import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { MAX_FOLDER_LENGTH } from '../../src/media/media-service.js';
import { MAX_TITLE_LENGTH } from '../../src/pages/page-service.js';
import { isWellFormedSlug } from '../../src/pages/page-slugs.js';
import { encodeRfc5987, NAUGHTY_STRINGS } from '../support/naughty-strings.js';
import { eventually, MINIMAL_PDF, rawMultipart, stagingLeftovers } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface MediaJson {
  readonly id: string;
  readonly folder: string;
}

interface PageJson {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly url: string;
}

interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string };
}

/** A page with no title of its own, so the title comes from the field or the file name. */
const UNTITLED_PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>Bonjour à tous</p></body></html>';

/** Applies the folder rule: NFC, control characters and runs of white space become one space, then trim. */
function expectedFolder(text: string): string {
  return text.normalize('NFC').replace(/\p{Cc}/gu, ' ').replace(/\s+/g, ' ').trim();
}

/** Applies the title rule: NFC, runs of white space become one space, then trim and cut to the maximum. */
function expectedTitle(text: string): string {
  const title = text.normalize('NFC').replace(/\s+/g, ' ').trim();
  return [...title].slice(0, MAX_TITLE_LENGTH).join('');
}

/** What the data directory may hold; blobs/ appears with the first stored file. */
const DATA_DIRECTORY_ENTRIES = ['blobs', 'tmp', 'vitrail.db', 'vitrail.db-shm', 'vitrail.db-wal'];

async function assertNothingOutsideDataDirectory(dataDir: string): Promise<void> {
  const unexpected = (await readdir(dataDir)).filter((entry) => !DATA_DIRECTORY_ENTRIES.includes(entry));
  assert.deepEqual(unexpected, []);
}

/** Escapes text for an HTML element's content. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

describe('naughty strings as folder names', () => {
  let server: TestServer;
  /** Media created by the first test, by the folder they were put in. */
  const created = new Map<string, string[]>();

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  const getMedia = async (id: string): Promise<MediaJson> => {
    const response = await fetch(`${server.url}/api/v1/media/${id}`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200);
    return (await response.json()) as MediaJson;
  };
  const listFolder = async (folder: string): Promise<string[]> => {
    const response = await fetch(`${server.url}/api/v1/media?limit=100&folder=${encodeURIComponent(folder)}`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200, `listing folder ${JSON.stringify(folder)}`);
    return ((await response.json()) as { items: MediaJson[] }).items.map((media) => media.id);
  };

  it('creates each folder at upload and reads it back', async () => {
    for (const text of NAUGHTY_STRINGS) {
      const { body, contentType } = rawMultipart([
        { headers: 'Content-Disposition: form-data; name="folder"', body: text },
        { headers: 'Content-Disposition: form-data; name="file"; filename="bulletin.pdf"', body: MINIMAL_PDF },
      ]);
      const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers: { ...bearer(server.editorToken), 'content-type': contentType }, body });
      const folder = expectedFolder(text);
      if ([...folder].length > MAX_FOLDER_LENGTH) {
        assert.equal(response.status, 400, `folder ${JSON.stringify(text)}`);
        assert.equal(((await response.json()) as ErrorJson).error.code, 'VITRAIL_VALIDATION_FAILED');
        continue;
      }
      assert.equal(response.status, 201, `folder ${JSON.stringify(text)}: ${await response.clone().text()}`);
      const media = (await response.json()) as MediaJson;
      assert.equal(media.folder, folder, `folder ${JSON.stringify(text)}`);
      assert.equal((await getMedia(media.id)).folder, folder);
      created.set(folder, [...(created.get(folder) ?? []), media.id]);
    }
    assert.ok(created.size > 400, `only ${created.size} folders were created`);
    await assertNothingOutsideDataDirectory(server.dataDir);
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('lists each folder with its media', async () => {
    const response = await fetch(`${server.url}/api/v1/folders`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200);
    const counts = new Map(((await response.json()) as { items: { folder: string; count: number }[] }).items.map((item) => [item.folder, item.count]));
    assert.equal(counts.size, created.size);
    for (const [folder, ids] of created) {
      assert.equal(counts.get(folder), ids.length, `count of folder ${JSON.stringify(folder)}`);
      assert.deepEqual((await listFolder(folder)).sort(), [...ids].sort(), `media of folder ${JSON.stringify(folder)}`);
    }
  });

  it('moves a media through each folder', async () => {
    const [first] = created.get('') ?? [...created.values()][0] ?? [];
    assert.ok(first !== undefined);
    let previous = (await getMedia(first)).folder;
    for (const text of NAUGHTY_STRINGS) {
      const response = await fetch(`${server.url}/api/v1/media/${first}`, {
        method: 'PATCH',
        headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
        body: JSON.stringify({ folder: text }),
      });
      const folder = expectedFolder(text);
      if ([...folder].length > MAX_FOLDER_LENGTH) {
        assert.equal(response.status, 400, `move to ${JSON.stringify(text)}`);
        assert.equal(((await response.json()) as ErrorJson).error.code, 'VITRAIL_VALIDATION_FAILED');
        assert.equal((await getMedia(first)).folder, previous, 'a rejected move changes nothing');
        continue;
      }
      assert.equal(response.status, 200, `move to ${JSON.stringify(text)}: ${await response.clone().text()}`);
      assert.equal(((await response.json()) as MediaJson).folder, folder);
      assert.equal((await getMedia(first)).folder, folder);
      assert.ok((await listFolder(folder)).includes(first), `media listed in ${JSON.stringify(folder)}`);
      previous = folder;
    }
    await assertNothingOutsideDataDirectory(server.dataDir);
  });
});

describe('naughty strings as page titles and slugs', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  const publish = async (parts: { headers: string; body: string }[]): Promise<Response> => {
    const { body, contentType } = rawMultipart(parts);
    return fetch(`${server.url}/api/v1/pages`, { method: 'POST', headers: { ...bearer(server.editorToken), 'content-type': contentType }, body });
  };
  /** Reads a page back through the API and its public URL, and checks both agree with what was published. */
  const readBack = async (page: PageJson, label: string): Promise<void> => {
    assert.ok(isWellFormedSlug(page.slug), `${label}: slug ${page.slug}`);
    assert.equal(page.url, `${server.url}/p/${page.slug}/`);
    const stored = await fetch(`${server.url}/api/v1/pages/${page.id}`, { headers: bearer(server.editorToken) });
    assert.equal(stored.status, 200);
    assert.equal(((await stored.json()) as PageJson).title, page.title, label);
    const served = await fetch(page.url);
    assert.equal(served.status, 200, `${label}: ${page.url}`);
    await served.arrayBuffer();
  };

  it('publishes each as a requested title', async () => {
    for (const text of NAUGHTY_STRINGS) {
      const response = await publish([
        { headers: 'Content-Disposition: form-data; name="title"', body: text },
        { headers: 'Content-Disposition: form-data; name="file"; filename="lettre.html"', body: UNTITLED_PAGE },
      ]);
      assert.equal(response.status, 201, `title ${JSON.stringify(text)}: ${await response.clone().text()}`);
      const page = (await response.json()) as PageJson;
      // A title of white space alone leaves the choice to the document, then to the file name.
      assert.equal(page.title, expectedTitle(text) === '' ? 'lettre' : expectedTitle(text), `title ${JSON.stringify(text)}`);
      await readBack(page, `title ${JSON.stringify(text)}`);
    }
    await assertNothingOutsideDataDirectory(server.dataDir);
  });

  it('publishes each as a file name', async () => {
    for (const text of NAUGHTY_STRINGS) {
      const response = await publish([
        { headers: `Content-Disposition: form-data; name="file"; filename*=UTF-8''${encodeRfc5987(`${text}.html`)}`, body: UNTITLED_PAGE },
      ]);
      assert.equal(response.status, 201, `file name ${JSON.stringify(text)}: ${await response.clone().text()}`);
      const page = (await response.json()) as PageJson;
      assert.equal(page.title, page.title.normalize('NFC'));
      assert.notEqual(page.title, '', `file name ${JSON.stringify(text)}`);
      assert.ok([...page.title].length <= MAX_TITLE_LENGTH, `file name ${JSON.stringify(text)}: title ${JSON.stringify(page.title)}`);
      await readBack(page, `file name ${JSON.stringify(text)}`);
    }
    await assertNothingOutsideDataDirectory(server.dataDir);
    // The route removes the staged page once the response is on its way, so the last one may lag a little.
    await eventually(async () => (await stagingLeftovers(server)).length === 0);
  });

  it('publishes each as a document title', async () => {
    for (const text of NAUGHTY_STRINGS) {
      const html = UNTITLED_PAGE.replace('</head>', `<title>${escapeHtml(text)}</title></head>`);
      const response = await publish([{ headers: 'Content-Disposition: form-data; name="file"; filename="lettre.html"', body: html }]);
      assert.equal(response.status, 201, `document title ${JSON.stringify(text)}: ${await response.clone().text()}`);
      const page = (await response.json()) as PageJson;
      assert.equal(page.title, page.title.normalize('NFC'));
      assert.notEqual(page.title, '', `document title ${JSON.stringify(text)}`);
      assert.ok([...page.title].length <= MAX_TITLE_LENGTH, `document title ${JSON.stringify(text)}: title ${JSON.stringify(page.title)}`);
      await readBack(page, `document title ${JSON.stringify(text)}`);
    }
    await assertNothingOutsideDataDirectory(server.dataDir);
  });

  it('answers each as a public page slug', async () => {
    for (const text of NAUGHTY_STRINGS) {
      for (const suffix of ['', '/']) {
        const response = await fetch(`${server.url}/p/${encodeURIComponent(text)}${suffix}`, { redirect: 'manual' });
        await response.arrayBuffer();
        assert.ok(response.status === 404 || response.status === 301, `slug ${JSON.stringify(text)}${suffix}: ${response.status}`);
      }
    }
  });
});
