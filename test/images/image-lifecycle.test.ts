import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { checkIntegrity } from '../../src/ops/integrity-check.js';
import { systemClock } from '../../src/time/clock.js';
import { heicPhoto, sidewaysJpeg, uploadMedia, type MediaJson } from '../support/images.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

async function replaceContent(server: TestServer, id: string, name: string, content: Buffer | string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([typeof content === 'string' ? Buffer.from(content) : content]), name);
  return fetch(`${server.url}/api/v1/media/${id}/content`, { method: 'PUT', headers: bearer(server.editorToken), body: form });
}

async function derivedBlobs(server: TestServer, mediaId: string): Promise<{ kind: string; sha256: string }[]> {
  return server.server.vitrail.db.selectFrom('media_derived_blobs').select(['kind', 'sha256']).where('media_id', '=', mediaId).execute();
}

async function blobExists(server: TestServer, sha256: string): Promise<boolean> {
  return (await server.server.vitrail.blobs.stat(sha256)) !== null;
}

describe('image renditions across replacement and purge', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('remakes the rendition when the content is replaced', async () => {
    const media = await uploadMedia(server, 'affiche.jpg', await sidewaysJpeg());
    const before = await derivedBlobs(server, media.id);
    assert.deepEqual(before.map((row) => row.kind).sort(), ['rendition', 'thumbnail']);
    const variant = await fetch(`${media.url}?w=50`);
    assert.equal(variant.status, 200);
    await variant.arrayBuffer();
    assert.equal((await derivedBlobs(server, media.id)).length, 3);

    const response = await replaceContent(server, media.id, 'nouvelle.heic', await heicPhoto());
    assert.equal(response.status, 200);
    const replaced = (await response.json()) as MediaJson;
    assert.equal(replaced.mime, 'image/heic');
    assert.equal(replaced.rendition?.mime, 'image/jpeg');
    assert.deepEqual([replaced.width, replaced.height], [640, 480]);

    const served = await fetch(replaced.url);
    const body = Buffer.from(await served.arrayBuffer());
    const metadata = await sharp(body).metadata();
    assert.deepEqual([metadata.width, metadata.height], [640, 480]);
    assert.equal(served.headers.get('content-type'), 'image/jpeg');

    const after = await derivedBlobs(server, media.id);
    assert.deepEqual(after.map((row) => row.kind).sort(), ['rendition', 'thumbnail']);
    for (const row of before) assert.equal(await blobExists(server, row.sha256), false, `${row.kind} of the first content`);
    const thumbnail = await fetch(`${server.url}/api/v1/media/${media.id}/thumbnail`, { headers: bearer(server.editorToken) });
    assert.equal((await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).width, 320);
  });

  it('serves a document once an image is replaced by one', async () => {
    const media = await uploadMedia(server, 'programme.jpg', await sidewaysJpeg());
    const response = await replaceContent(server, media.id, 'programme.pdf', '%PDF-1.4\n%%EOF\n');
    assert.equal(response.status, 200);
    const replaced = (await response.json()) as MediaJson;
    assert.equal(replaced.rendition, null);
    assert.equal(replaced.thumbnailPath, null);
    const served = await fetch(replaced.url);
    assert.equal(served.headers.get('content-type'), 'application/pdf');
    assert.equal(Buffer.from(await served.arrayBuffer()).toString(), '%PDF-1.4\n%%EOF\n');
    assert.deepEqual(await derivedBlobs(server, media.id), []);
  });

  it('rejects a truncated replacement and keeps the current content', async () => {
    const media = await uploadMedia(server, 'garde.jpg', await sidewaysJpeg());
    const whole = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg()
      .toBuffer();
    const response = await replaceContent(server, media.id, 'coupee.jpg', whole.subarray(0, whole.length / 2));
    assert.equal(response.status, 422);
    const current = (await (await fetch(`${server.url}/api/v1/media/${media.id}`, { headers: bearer(server.editorToken) })).json()) as MediaJson & {
      version: number;
    };
    assert.equal(current.version, 1);
    assert.equal(current.sha256, media.sha256);
  });

  it('deletes renditions, thumbnails and variants with a purge', async () => {
    // Content no other test uploads, so no other media shares its rendition; orientation 3 forces a rendition.
    const unique = await sharp({ create: { width: 90, height: 60, channels: 3, background: '#5a3d2b' } }).jpeg().withMetadata({ orientation: 3 }).toBuffer();
    const media = await uploadMedia(server, 'retire.jpg', unique);
    await (await fetch(`${media.url}?w=60&format=png`)).arrayBuffer();
    const blobs = await derivedBlobs(server, media.id);
    assert.equal(blobs.length, 3);
    const purged = await fetch(`${server.url}/api/v1/media/${media.id}?permanent=true&confirm=true`, { method: 'DELETE', headers: bearer(server.adminToken) });
    assert.equal(purged.status, 200);
    for (const row of blobs) assert.equal(await blobExists(server, row.sha256), false, row.kind);
    assert.equal(await blobExists(server, media.sha256), false);
  });

  it('leaves no orphan blob for the integrity check', async () => {
    // Runs after the tests above: uploads, variants, replacements and a purge.
    const vitrail = server.server.vitrail;
    const report = await checkIntegrity({
      db: vitrail.db,
      blobs: vitrail.blobs,
      claims: vitrail.blobClaims,
      stagingDir: vitrail.staging.directory,
      clock: systemClock,
      graceMs: 0,
      repair: false,
    });
    assert.deepEqual(report.findings, []);
    assert.ok(report.healthy);
    assert.equal(report.blobsStored, report.blobsReferenced);
  });
});
