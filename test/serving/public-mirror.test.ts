import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { sidewaysJpeg } from '../support/images.js';
import { startShippedMirrorNginx, type RunningNginx } from '../support/nginx.js';
import { upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface UploadedMedia {
  readonly id: string;
  readonly url: string;
  readonly name: string;
  readonly sha256: string;
}

describe('public mirror served by nginx', () => {
  let workDir: string;
  let mirrorDir: string;
  let server: TestServer;
  let nginx: RunningNginx;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-mirror-'));
    // nginx workers started as root run as an unprivileged user, which must reach the mirror.
    await chmod(workDir, 0o755);
    mirrorDir = path.join(workDir, 'public-mirror');
    const dataDir = path.join(workDir, 'data');
    await mkdir(dataDir);
    server = await startTestServer({ VITRAIL_DATA_DIR: dataDir, VITRAIL_PUBLIC_MIRROR_DIR: mirrorDir });

    nginx = await startShippedMirrorNginx(path.join(workDir, 'nginx'), server.url, mirrorDir);
  });
  after(async () => {
    await nginx?.stop();
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const uploadMedia = async (name: string, content: Buffer, fields: Record<string, string> = {}): Promise<UploadedMedia> => {
    const response = await upload(server, { name, content, fields });
    assert.equal(response.status, 201);
    return (await response.json()) as UploadedMedia;
  };
  const viaNginx = (media: UploadedMedia, name = media.name) => `${nginx.url}/m/${media.id}/${encodeURIComponent(name)}`;
  const change = (media: UploadedMedia, body: Record<string, string>) =>
    fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, {
      method: 'PATCH',
      headers: { ...bearer(server.editorToken), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** The mirror must list exactly the public media of the library that nginx may serve. */
  const expectEntries = async (expected: string[]) => {
    const entries = await server.server.vitrail.publicMirror?.listEntries();
    assert.deepEqual(entries, [...expected].sort());
  };
  const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(size)]);

  it('links a public upload and nginx serves it', async () => {
    const media = await uploadMedia('bulletin paroissial.pdf', pdf(5000));
    const entry = path.join(mirrorDir, 'm', media.id, media.name);
    const blob = path.join(server.dataDir, 'blobs', media.sha256.slice(0, 2), media.sha256.slice(2, 4), media.sha256);
    assert.equal((await stat(entry)).ino, (await stat(blob)).ino, 'the entry is a hard link to the stored bytes');

    const response = await fetch(viaNginx(media));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-request-id'), null, 'answered by nginx, not Vitrail');
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(await readFile(blob)));
    await expectEntries([`${media.id}/${media.name}`]);
  });

  it('falls back to Vitrail for old names, private media and the API', async () => {
    const media = await uploadMedia('horaires.pdf', pdf(3000));
    const privateMedia = await uploadMedia('compte-rendu.pdf', pdf(3000), { visibility: 'private' });
    assert.equal((await change(media, { name: 'horaires-ete.pdf' })).status, 200);

    const oldName = await fetch(viaNginx(media, 'horaires.pdf'));
    assert.equal(oldName.status, 200);
    assert.match(oldName.headers.get('x-request-id') ?? '', /.+/, 'answered by Vitrail');
    await oldName.arrayBuffer();

    const hidden = await fetch(viaNginx(privateMedia));
    assert.equal(hidden.status, 404);
    await hidden.arrayBuffer();
    const health = await fetch(`${nginx.url}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();

    const entries = (await server.server.vitrail.publicMirror?.listEntries()) ?? [];
    assert.ok(entries.includes(`${media.id}/horaires-ete.pdf`));
    assert.ok(!entries.includes(`${media.id}/horaires.pdf`));
    assert.ok(!entries.some((entry) => entry.startsWith(privateMedia.id)));
  });

  it('leaves variants, the id-only URL and other methods to Vitrail', async () => {
    const photo = await uploadMedia('procession.jpg', await sidewaysJpeg());
    assert.ok((await server.server.vitrail.publicMirror?.listEntries())?.includes(`${photo.id}/${photo.name}`));

    // The mirror contains the plain URL's bytes, so nginx must not serve them for a variant's query.
    const variant = await fetch(`${viaNginx(photo)}?w=40`);
    assert.equal(variant.status, 200);
    assert.match(variant.headers.get('x-request-id') ?? '', /.+/, 'answered by Vitrail');
    assert.equal((await sharp(Buffer.from(await variant.arrayBuffer())).metadata()).width, 40);

    // /m/<id> is a directory of the mirror: nginx must not redirect it to /m/<id>/.
    const idOnly = await fetch(`${nginx.url}/m/${photo.id}`, { redirect: 'manual' });
    assert.equal(idOnly.status, 200);
    assert.equal(idOnly.headers.get('location'), null);
    assert.match(idOnly.headers.get('x-request-id') ?? '', /.+/, 'answered by Vitrail');
    await idOnly.arrayBuffer();

    for (const method of ['POST', 'DELETE', 'OPTIONS']) {
      const response = await fetch(viaNginx(photo), { method });
      assert.match(response.headers.get('x-request-id') ?? '', /.+/, `${method} answered by Vitrail`);
      await response.arrayBuffer();
    }
  });

  it('removes the entry before answering an unpublish or a trash', async () => {
    const media = await uploadMedia('affiche.pdf', pdf(4000));
    const entry = path.join(mirrorDir, 'm', media.id, media.name);
    await stat(entry);

    assert.equal((await change(media, { visibility: 'private' })).status, 200);
    await assert.rejects(stat(entry), { code: 'ENOENT' });
    assert.equal((await fetch(viaNginx(media))).status, 404);

    assert.equal((await change(media, { visibility: 'public' })).status, 200);
    await stat(entry);
    const trashed = await fetch(`${server.url}/api/v1/media/${media.id}?confirm=true`, { method: 'DELETE', headers: bearer(server.editorToken) });
    assert.equal(trashed.status, 200);
    await assert.rejects(stat(entry), { code: 'ENOENT' });
    assert.notEqual((await fetch(viaNginx(media))).status, 200);

    const restored = await fetch(`${server.url}/api/v1/media/${media.id}/restore`, { method: 'POST', headers: bearer(server.editorToken) });
    assert.equal(restored.status, 200);
    assert.equal((await fetch(viaNginx(media))).headers.get('x-request-id'), null);
  });

  it('leaves types needing a sandbox policy to Vitrail', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>';
    const media = await uploadMedia('logo.svg', Buffer.from(svg));
    const entries = (await server.server.vitrail.publicMirror?.listEntries()) ?? [];
    assert.ok(!entries.some((entry) => entry.startsWith(media.id)));
    const response = await fetch(viaNginx(media));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/);
  });

  it('leaves names of another type to Vitrail', async () => {
    const misnamed = await uploadMedia('bulletin.html', pdf(2000));
    const renamed = await uploadMedia('annonces.pdf', pdf(2000));
    assert.equal((await change(renamed, { name: 'annonces.svg' })).status, 200);
    const entries = (await server.server.vitrail.publicMirror?.listEntries()) ?? [];
    assert.ok(!entries.some((entry) => entry.startsWith(misnamed.id)), 'a PDF named .html is not mirrored');
    assert.ok(!entries.some((entry) => entry.startsWith(renamed.id)), 'a PDF renamed to .svg leaves the mirror');

    for (const media of [misnamed, { ...renamed, name: 'annonces.svg' }]) {
      const response = await fetch(viaNginx(media));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('x-request-id') ?? '', /.+/, 'answered by Vitrail');
      assert.equal(response.headers.get('content-type'), 'application/pdf');
      await response.arrayBuffer();
    }
  });

  it('rebuilds the directory exactly from the database', async () => {
    const mirror = server.server.vitrail.publicMirror;
    assert.ok(mirror);
    const before = await mirror.listEntries();
    await mkdir(path.join(mirrorDir, 'm', 'AAAAAAAAAAAAAAAAAAAA'), { recursive: true });
    await rm(path.join(mirrorDir, 'm', before[0]?.split('/')[0] ?? ''), { recursive: true });
    await mirror.rebuild();
    assert.deepEqual(await mirror.listEntries(), before);
  });
});
