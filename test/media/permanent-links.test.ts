import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { gonePlaceholderImage } from '../../src/serving/gone.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface MediaJson {
  id: string;
  url: string;
  sha256: string;
  name: string;
  mime: string;
  version: number;
  recentFetches?: number;
  trashedAt: string | null;
}

interface VersionJson {
  version: number;
  sha256: string;
  name: string;
  url: string;
}

const DAY_MS = 24 * 3600 * 1000;

async function png(colour: string, width = 20, height = 10): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

async function uploadMedia(server: TestServer, name: string, content: Buffer | string): Promise<MediaJson> {
  const response = await upload(server, { name, content });
  assert.equal(response.status, 201);
  return (await response.json()) as MediaJson;
}

async function replace(server: TestServer, id: string, name: string, content: Buffer | string, token = server.editorToken): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([typeof content === 'string' ? Buffer.from(content) : content]), name);
  return fetch(`${server.url}/api/v1/media/${id}/content`, { method: 'PUT', headers: bearer(token), body: form });
}

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

async function blobExists(server: TestServer, sha256: string): Promise<boolean> {
  return (await server.server.vitrail.blobs.stat(sha256)) !== null;
}

describe('permanent links', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_TRASH_RETENTION_DAYS: '30' });
  });
  after(async () => {
    await server.close();
  });

  describe('PUT /api/v1/media/<id>/content', () => {
    it('serves the new content at the same URL with a new ETag', async () => {
      const first = await png('#ff0000');
      const second = await png('#00ff00');
      const media = await uploadMedia(server, 'affiche.png', first);
      const before = await fetch(media.url);
      const oldEtag = before.headers.get('etag');
      assert.deepEqual(await bytesOf(before), first);

      // Last-Modified counts whole seconds: a replacement within the same second keeps it, and only the ETag changes.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const response = await replace(server, media.id, 'nouvelle.png', second);
      assert.equal(response.status, 200);
      const replaced = (await response.json()) as MediaJson;
      assert.equal(replaced.url, media.url);
      assert.equal(replaced.version, 2);
      assert.equal(replaced.name, 'affiche.png');

      const after = await fetch(media.url);
      assert.equal(after.status, 200);
      assert.deepEqual(await bytesOf(after), second);
      assert.notEqual(after.headers.get('etag'), oldEtag);
      const revalidated = await fetch(media.url, { headers: { 'if-none-match': oldEtag ?? '' } });
      assert.equal(revalidated.status, 200);
      const byDate = await fetch(media.url, { headers: { 'if-modified-since': before.headers.get('last-modified') ?? '' } });
      assert.notEqual(byDate.status, 304, 'a date older than the replacement must not revalidate');
    });

    it('keeps each earlier version downloadable by editors', async () => {
      const contents = [await png('#111111'), await png('#222222'), await png('#333333')];
      const media = await uploadMedia(server, 'versions.png', contents[0] ?? Buffer.alloc(0));
      assert.equal((await replace(server, media.id, 'b.png', contents[1] ?? Buffer.alloc(0))).status, 200);
      assert.equal((await replace(server, media.id, 'c.png', contents[2] ?? Buffer.alloc(0))).status, 200);

      const listing = await fetch(`${server.url}/api/v1/media/${media.id}/versions`, { headers: bearer(server.editorToken) });
      assert.equal(listing.status, 200);
      const { items } = (await listing.json()) as { items: VersionJson[] };
      assert.deepEqual(items.map((item) => item.version), [2, 1]);

      for (const item of items) {
        const download = await fetch(item.url, { headers: bearer(server.editorToken) });
        assert.equal(download.status, 200);
        assert.deepEqual(await bytesOf(download), contents[item.version - 1]);
        assert.equal(download.headers.get('cache-control'), 'private, no-cache');
        const anonymous = await fetch(item.url);
        assert.equal(anonymous.status, 401);
      }
      const missing = await fetch(`${server.url}/api/v1/media/${media.id}/versions/9/content`, { headers: bearer(server.editorToken) });
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'VITRAIL_MEDIA_VERSION_NOT_FOUND');
    });

    it('changes the extension when the type changes', async () => {
      const media = await uploadMedia(server, 'programme.pdf', MINIMAL_PDF);
      const response = await replace(server, media.id, 'programme.png', await png('#abcdef'));
      assert.equal(response.status, 200);
      const replaced = (await response.json()) as MediaJson;
      assert.equal(replaced.name, 'programme.png');
      assert.equal(replaced.mime, 'image/png');
    });

    it('applies the upload checks and changes nothing on failure', async () => {
      const media = await uploadMedia(server, 'garde.pdf', MINIMAL_PDF);
      const rejected = await replace(server, media.id, 'page.png', '<html><script>alert(1)</script></html>');
      assert.equal(rejected.status, 415);
      const empty = await replace(server, media.id, 'vide.pdf', '');
      assert.equal(empty.status, 400);
      const fetched = await fetch(media.url);
      assert.equal(Buffer.from(await fetched.arrayBuffer()).toString(), MINIMAL_PDF);
      const listing = await fetch(`${server.url}/api/v1/media/${media.id}/versions`, { headers: bearer(server.editorToken) });
      assert.deepEqual(((await listing.json()) as { items: unknown[] }).items, []);
    });

    it('rejects replacing a trashed media', async () => {
      const media = await uploadMedia(server, 'jetee.pdf', `${MINIMAL_PDF}% trashed before replace\n`);
      await fetch(`${server.url}/api/v1/media/${media.id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
      const response = await replace(server, media.id, 'autre.pdf', `${MINIMAL_PDF}% new\n`);
      assert.equal(response.status, 409);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_MEDIA_IN_TRASH');
    });

    it('requires authentication and an existing media', async () => {
      const form = new FormData();
      form.append('file', new Blob([MINIMAL_PDF]), 'a.pdf');
      const anonymous = await fetch(`${server.url}/api/v1/media/AAAAAAAAAAAAAAAAAAAA/content`, { method: 'PUT', body: form });
      assert.equal(anonymous.status, 401);
      const unknown = await replace(server, 'AAAAAAAAAAAAAAAAAAAA', 'a.pdf', MINIMAL_PDF);
      assert.equal(unknown.status, 404);
    });
  });

  describe('trash and purge', () => {
    it('answers 410 with the placeholder image while an image is trashed', async () => {
      const media = await uploadMedia(server, 'retiree.png', await png('#445566'));
      const trashed = await fetch(`${server.url}/api/v1/media/${media.id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
      assert.equal(trashed.status, 200);

      const gone = await fetch(media.url);
      assert.equal(gone.status, 410);
      assert.equal(gone.headers.get('content-type'), 'image/png');
      const body = await bytesOf(gone);
      assert.deepEqual(body, await gonePlaceholderImage());
      const metadata = await sharp(body).metadata();
      assert.equal(metadata.format, 'png');
      const head = await fetch(media.url, { method: 'HEAD' });
      assert.equal(head.status, 410);

      const restored = await fetch(`${server.url}/api/v1/media/${media.id}/restore`, { method: 'POST', headers: bearer(server.editorToken) });
      assert.equal(restored.status, 200);
      assert.equal((await fetch(media.url)).status, 200);
    });

    it('answers 410 with a JSON error for a trashed document', async () => {
      const media = await uploadMedia(server, 'bulletin.pdf', `${MINIMAL_PDF}% trashed document\n`);
      await fetch(`${server.url}/api/v1/media/${media.id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
      const gone = await fetch(media.url);
      assert.equal(gone.status, 410);
      assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'VITRAIL_MEDIA_GONE');
    });

    it('keeps a trashed private media unknown to anonymous readers', async () => {
      const response = await upload(server, { name: 'prive.pdf', content: `${MINIMAL_PDF}% private\n`, fields: { visibility: 'private' } });
      const media = (await response.json()) as MediaJson;
      await fetch(`${server.url}/api/v1/media/${media.id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
      assert.equal((await fetch(media.url)).status, 404);
      assert.equal((await fetch(media.url, { headers: bearer(server.editorToken) })).status, 410);
    });

    it('purges at once for an admin, every version and blob, and stays 410', async () => {
      const contents = [await png('#a1a1a1'), await png('#b2b2b2')];
      const media = await uploadMedia(server, 'consentement.png', contents[0] ?? Buffer.alloc(0));
      const replaced = (await (await replace(server, media.id, 'c.png', contents[1] ?? Buffer.alloc(0))).json()) as MediaJson;
      const derived = await png('#c3c3c3', 5, 5);
      const derivedSha = await storeDerivedBlob(server, media.id, derived);

      const byEditor = await fetch(`${server.url}/api/v1/media/${media.id}?permanent=true`, { method: 'DELETE', headers: bearer(server.editorToken) });
      assert.equal(byEditor.status, 403);

      const purged = await fetch(`${server.url}/api/v1/media/${media.id}?permanent=true`, { method: 'DELETE', headers: bearer(server.adminToken) });
      assert.equal(purged.status, 200);
      // Both contents, the thumbnail of the current one (the first one's went at the replacement) and the
      // blob derived by the test; the small PNGs are mail-ready, so they are their own renditions.
      assert.deepEqual(await purged.json(), { id: media.id, purged: true, blobsDeleted: 4 });

      for (const sha256 of [media.sha256, replaced.sha256, derivedSha]) assert.equal(await blobExists(server, sha256), false);
      const db = server.server.vitrail.db;
      assert.equal((await db.selectFrom('media_versions').selectAll().where('media_id', '=', media.id).execute()).length, 0);
      assert.equal((await db.selectFrom('media_derived_blobs').selectAll().where('media_id', '=', media.id).execute()).length, 0);

      const gone = await fetch(media.url);
      assert.equal(gone.status, 410);
      assert.deepEqual(await bytesOf(gone), await gonePlaceholderImage());
      const api = await fetch(`${server.url}/api/v1/media/${media.id}`, { headers: bearer(server.editorToken) });
      assert.equal(api.status, 404);
    });

    it('keeps a blob that another media still uses', async () => {
      const shared = await png('#0f0f0f');
      const kept = await uploadMedia(server, 'garde.png', shared);
      const purgedMedia = await uploadMedia(server, 'copie.png', shared);
      const purged = await fetch(`${server.url}/api/v1/media/${purgedMedia.id}?permanent=true`, { method: 'DELETE', headers: bearer(server.adminToken) });
      assert.deepEqual(await purged.json(), { id: purgedMedia.id, purged: true, blobsDeleted: 0 });
      const fetched = await fetch(kept.url);
      assert.deepEqual(await bytesOf(fetched), shared);
    });

    it('purges the trash only after the retention time', async () => {
      const media = await uploadMedia(server, 'ancienne.png', await png('#010203'));
      await fetch(`${server.url}/api/v1/media/${media.id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
      const service = server.server.vitrail.media;

      const early = await service.purgeExpiredTrash(new Date(Date.now() + 29 * DAY_MS));
      assert.equal(early.some((result) => result.mediaId === media.id), false);
      assert.equal(await blobExists(server, media.sha256), true);

      const late = await service.purgeExpiredTrash(new Date(Date.now() + 31 * DAY_MS));
      assert.equal(late.some((result) => result.mediaId === media.id), true);
      assert.equal(await blobExists(server, media.sha256), false);
      assert.equal((await fetch(media.url)).status, 410);
    });
  });

  describe('recent fetches', () => {
    it('asks for confirmation before deleting a media readers fetched', async () => {
      const media = await uploadMedia(server, 'lue.pdf', `${MINIMAL_PDF}% fetched\n`);
      for (let i = 0; i < 3; i += 1) assert.equal((await fetch(media.url)).status, 200);
      await fetch(media.url, { headers: bearer(server.editorToken) });

      const details = (await (await fetch(`${server.url}/api/v1/media/${media.id}`, { headers: bearer(server.editorToken) })).json()) as MediaJson;
      assert.equal(details.recentFetches, 3);

      const refused = await fetch(`${server.url}/api/v1/media/${media.id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
      assert.equal(refused.status, 409);
      const refusal = ((await refused.json()) as { error: { code: string; message: string } }).error;
      assert.equal(refusal.code, 'VITRAIL_MEDIA_RECENTLY_FETCHED');
      assert.match(refusal.message, /fetched 3 times .* with \?confirm=true added to its URL/);
      assert.equal((await fetch(media.url)).status, 200);

      const privateRefused = await fetch(`${server.url}/api/v1/media/${media.id}`, {
        method: 'PATCH',
        headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
        body: JSON.stringify({ visibility: 'private' }),
      });
      assert.equal(privateRefused.status, 409);

      const confirmed = await fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, { method: 'DELETE', headers: bearer(server.editorToken) });
      assert.equal(confirmed.status, 200);
      assert.notEqual(((await confirmed.json()) as MediaJson).trashedAt, null);
    });

    it('writes the counts per day in batches, without reader data', async () => {
      const media = await uploadMedia(server, 'comptee.pdf', `${MINIMAL_PDF}% counted\n`);
      await fetch(media.url);
      await fetch(media.url);
      const db = server.server.vitrail.db;
      const beforeFlush = await db.selectFrom('media_fetch_counts').selectAll().where('media_id', '=', media.id).execute();
      assert.deepEqual(beforeFlush, [], 'the public path must not write to the database itself');

      await server.server.vitrail.media.purgeExpiredTrash(new Date());
      const rows = await db.selectFrom('media_fetch_counts').selectAll().where('media_id', '=', media.id).execute();
      assert.deepEqual(rows, [{ media_id: media.id, day: new Date().toISOString().slice(0, 10), count: 2 }]);
    });
  });
});

/** Stores a blob as a derived image of a media, the way image renditions are recorded. */
async function storeDerivedBlob(server: TestServer, mediaId: string, content: Buffer): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const sha256 = createHash('sha256').update(content).digest('hex');
  const file = path.join(server.dataDir, 'tmp', `${sha256}.part`);
  await writeFile(file, content);
  await server.server.vitrail.blobs.putFile(sha256, file);
  await server.server.vitrail.db
    .insertInto('media_derived_blobs')
    .values({ media_id: mediaId, kind: 'thumbnail', key: '100', sha256, size: content.length, mime: 'image/png', width: 5, height: 5, created_at: new Date().toISOString() })
    .execute();
  return sha256;
}
