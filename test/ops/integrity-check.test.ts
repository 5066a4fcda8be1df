import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { runCli } from '../support/cli.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { upload } from '../support/uploads.js';

async function uploadPdf(server: TestServer, name: string): Promise<{ id: string; sha256: string }> {
  const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(4096), Buffer.from('\n%%EOF\n')]);
  const response = await upload(server, { name, content: bytes });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string; sha256: string };
}

/** Stores bytes no row references, as an upload interrupted between its blob and its row would. */
async function storeOrphan(server: TestServer, ageMs: number): Promise<string> {
  const bytes = randomBytes(1000);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const staged = path.join(server.dataDir, 'tmp', 'orphan.part');
  await writeFile(staged, bytes);
  await server.server.vitrail.blobs.putFile(sha256, staged);
  const when = new Date(Date.now() - ageMs);
  await utimes(blobStore(server).pathOf(sha256), when, when);
  return sha256;
}

function blobStore(server: TestServer): LocalBlobStore {
  return server.server.vitrail.blobs as LocalBlobStore;
}

const HOUR_MS = 3_600_000;

describe('vitrail check', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('passes on a healthy data directory', async () => {
    await uploadPdf(server, 'sain.pdf');
    const result = await runCli(['check'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Database integrity \(PRAGMA integrity_check\): ok/);
    assert.match(result.stdout, /Result: no damage found\./);
    assert.match(result.stdout, /Blobs: 1 referenced, 1 stored, 1 verified/);
    assert.equal(result.stderr, 'check: 1 of 1 referenced blob verified\n');
  });

  it('counts earlier versions as references', async () => {
    const media = await uploadPdf(server, 'version.pdf');
    const form = new FormData();
    form.append('file', new Blob([Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(2048), Buffer.from('\n%%EOF\n')])]), 'version.pdf');
    const replaced = await fetch(`${server.url}/api/v1/media/${media.id}/content`, { method: 'PUT', headers: bearer(server.editorToken), body: form });
    assert.equal(replaced.status, 200, await replaced.clone().text());

    const result = await runCli(['check'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(result.code, 0, result.stdout);
    assert.doesNotMatch(result.stdout, new RegExp(media.sha256), 'the replaced content is a version, not an orphan');
  });

  it('names a corrupt blob and a missing one and exits 1', async () => {
    const corrupt = await uploadPdf(server, 'abime.pdf');
    const missing = await uploadPdf(server, 'perdu.pdf');
    const corruptPath = blobStore(server).pathOf(corrupt.sha256);
    const bytes = await readFile(corruptPath);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await writeFile(corruptPath, bytes);
    await unlink(blobStore(server).pathOf(missing.sha256));

    const result = await runCli(['check'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, new RegExp(`DAMAGE .*blob-corrupt .*${corrupt.sha256}.*media ${corrupt.id}`));
    assert.match(result.stdout, new RegExp(`DAMAGE .*blob-missing .*${missing.sha256}.*media ${missing.id}`));
    assert.match(result.stdout, /Result: 2 damaged items that --repair cannot fix/);

    const repair = await runCli(['check', '--repair'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(repair.code, 1, 'repair must not hide damage it cannot fix');
    assert.ok((await stat(corruptPath)).isFile(), 'repair must not delete a referenced blob, even a corrupt one');

    // Puts the corrupt blob right again and the missing one back, for the next tests.
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await writeFile(corruptPath, bytes);
    await server.server.vitrail.db.deleteFrom('media').where('id', '=', missing.id).execute();
  });

  it('repairs old orphans and staging leftovers but not young ones', async () => {
    const oldOrphan = await storeOrphan(server, 7 * HOUR_MS);
    const youngOrphan = await storeOrphan(server, 60_000);
    const oldLeftover = path.join(server.dataDir, 'tmp', 'old.part');
    const youngLeftover = path.join(server.dataDir, 'tmp', 'young.part');
    await writeFile(oldLeftover, 'interrupted');
    await writeFile(youngLeftover, 'in progress');
    const old = new Date(Date.now() - 7 * HOUR_MS);
    await utimes(oldLeftover, old, old);
    // Resumable uploads survive restarts on purpose and expire on their own, however old their directory.
    await utimes(path.join(server.dataDir, 'tmp', 'resumable'), old, old);

    const before = await runCli(['check'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(before.code, 1);
    assert.match(before.stdout, new RegExp(`TO REPAIR .*blob-orphan .*${oldOrphan}`));
    assert.match(before.stdout, new RegExp(`IN FLIGHT .*blob-orphan .*${youngOrphan}`));
    assert.match(before.stdout, /TO REPAIR .*staging-leftover .*old\.part/);
    assert.doesNotMatch(before.stdout, /staging-leftover .*resumable/);

    const repair = await runCli(['check', '--repair'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(repair.code, 0, repair.stdout);
    assert.match(repair.stdout, new RegExp(`REPAIRED .*blob-orphan .*${oldOrphan}`));
    assert.equal(await server.server.vitrail.blobs.stat(oldOrphan), null);
    assert.notEqual(await server.server.vitrail.blobs.stat(youngOrphan), null);
    await assert.rejects(stat(oldLeftover), { code: 'ENOENT' });
    assert.ok((await stat(youngLeftover)).isFile());
    assert.ok((await stat(path.join(server.dataDir, 'tmp', 'resumable'))).isDirectory());
    await unlink(youngLeftover);
  });

  it('names each referencing row once', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(2048), Buffer.from('\n%%EOF\n')]);
    const ids: string[] = [];
    for (const name of ['premier.pdf', 'second.pdf']) {
      const response = await upload(server, { name, content: bytes });
      assert.equal(response.status, 201);
      ids.push(((await response.json()) as { id: string }).id);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // A media whose rendition is its original names the same blob in two columns.
    await server.server.vitrail.db.updateTable('media').set({ rendition_sha256: sha256 }).where('id', '=', ids[0] ?? '').execute();
    await unlink(blobStore(server).pathOf(sha256));

    const result = await runCli(['check'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, new RegExp(`blob-missing .*${sha256}.*referenced by media ${ids[0] ?? ''}, media ${ids[1] ?? ''}: restore`));

    await server.server.vitrail.db.deleteFrom('media').where('id', 'in', ids).execute();
  });

  it('reports stray entries and never deletes them', async () => {
    const root = path.join(server.dataDir, 'blobs');
    const strays = [path.join(root, 'orphan'), path.join(root, 'ab', 'cd', 'notahash')];
    await mkdir(path.join(root, 'ab', 'cd'), { recursive: true });
    const old = new Date(Date.now() - 7 * HOUR_MS);
    for (const stray of strays) {
      await writeFile(stray, 'put here by hand');
      await utimes(stray, old, old);
    }

    const result = await runCli(['check'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(result.code, 1, result.stdout);
    for (const stray of strays) assert.match(result.stdout, new RegExp(`INSPECT .*blob-store-stray .*${stray}  a file of 16 bytes that Vitrail did not put there`));
    assert.match(result.stdout, /Result: 2 entries in the blob store that Vitrail did not put there/);

    const repair = await runCli(['check', '--repair'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(repair.code, 1, 'repair must leave stray entries to a person');
    for (const stray of strays) assert.ok((await stat(stray)).isFile(), `${stray} must still exist`);

    for (const stray of strays) await unlink(stray);
    const clean = await runCli(['check'], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(clean.code, 0, clean.stdout);
  });
});
