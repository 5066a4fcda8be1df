import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';

import { loadSettings } from '../../src/config/settings.js';
import { openVitrail, type Vitrail } from '../../src/vitrail.js';
import { runCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createBackup } from '../../src/ops/backup.js';
import { restoreBackup } from '../../src/ops/restore.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { systemClock } from '../../src/time/clock.js';
import { eventually, rawMultipart, stagingLeftovers, upload } from '../support/uploads.js';
import { bearer } from '../support/test-server.js';

interface Uploaded {
  readonly id: string;
  readonly bytes: Buffer;
}

/** Makes a small PDF whose random comment makes every upload a distinct blob. */
function uniquePdf(size: number): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(size), Buffer.from('\n%%EOF\n')]);
}

async function uploadPdf(server: TestServer, name: string, size = 2048): Promise<Uploaded> {
  const bytes = uniquePdf(size);
  const response = await upload(server, { name, content: bytes });
  assert.equal(response.status, 201, await response.clone().text());
  const body = (await response.json()) as { id: string };
  return { id: body.id, bytes };
}

/**
 * Starts an upload that sends half its body, then waits for `gate` before sending the rest, so it is
 * surely in flight while the test does something else.
 */
function gatedUpload(server: TestServer, name: string, gate: Promise<void>): Promise<Uploaded> {
  const bytes = uniquePdf(64 * 1024);
  const { body, contentType } = rawMultipart([
    { headers: `Content-Disposition: form-data; name="file"; filename="${name}"`, body: bytes },
  ]);
  const half = Math.floor(body.length / 2);
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(body.subarray(0, half));
      await gate;
      controller.enqueue(body.subarray(half));
      controller.close();
    },
  });
  const request = fetch(`${server.url}/api/v1/media`, {
    method: 'POST',
    headers: { ...bearer(server.editorToken), 'content-type': contentType },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  return request.then(async (response) => {
    assert.equal(response.status, 201, await response.clone().text());
    return { id: ((await response.json()) as { id: string }).id, bytes };
  });
}

async function readBlob(vitrail: Vitrail, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await vitrail.blobs.openRead(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Backs up the test server in process; the CLI path is covered by the tests that need its output. */
async function backUp(server: TestServer, file: string): Promise<void> {
  await createBackup({ dataDir: server.dataDir, blobs: server.server.vitrail.blobs, file, clock: systemClock });
}

async function restoreInProcess(file: string, dataDir: string, options: { bases?: string[]; force?: boolean } = {}): Promise<void> {
  await restoreBackup({ file, dataDir, blobs: new LocalBlobStore(path.join(dataDir, 'blobs')), ...options });
}

async function openRestored(dataDir: string): Promise<Vitrail> {
  return openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));
}

describe('vitrail backup and restore', () => {
  let server: TestServer;
  let workDir: string;

  before(async () => {
    server = await startTestServer();
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-backup-test-'));
  });
  after(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('restores acknowledged uploads despite uploads in flight', async () => {
    const acknowledged: Uploaded[] = [];
    for (let index = 0; index < 5; index += 1) acknowledged.push(await uploadPdf(server, `avant-${index}.pdf`));

    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const inFlight = Array.from({ length: 20 }, (_, index) => gatedUpload(server, `pendant-${index}.pdf`, gate));
    await eventually(async () => (await stagingLeftovers(server)).length === 20, 10_000);

    // The gate opens as the backup starts, so the uploads finish while it runs.
    const archive = path.join(workDir, 'full.tar');
    const backup = createBackup({ dataDir: server.dataDir, blobs: server.server.vitrail.blobs, file: archive, clock: systemClock });
    openGate();
    const [result, lateUploads] = await Promise.all([backup, Promise.all(inFlight)]);
    assert.ok(result.manifest.blobs.length >= acknowledged.length);

    const restoredDir = path.join(workDir, 'restored');
    const restore = await runCli(['restore', archive, '--data-dir', restoredDir], {});
    assert.equal(restore.code, 0, restore.stderr);

    const restored = await openRestored(restoredDir);
    try {
      for (const item of acknowledged) {
        const row = await restored.db.selectFrom('media').selectAll().where('id', '=', item.id).executeTakeFirst();
        assert.ok(row !== undefined, `media ${item.id} acknowledged before the backup is missing`);
        assert.deepEqual(await readBlob(restored, row.sha256), item.bytes);
        const original = await server.server.vitrail.db.selectFrom('media').selectAll().where('id', '=', item.id).executeTakeFirstOrThrow();
        assert.deepEqual(row, original);
      }
      // An upload that finished during the backup may or may not be in it, but when it is, it is whole.
      for (const item of lateUploads) {
        const row = await restored.db.selectFrom('media').selectAll().where('id', '=', item.id).executeTakeFirst();
        if (row !== undefined) assert.deepEqual(await readBlob(restored, row.sha256), item.bytes);
      }
    } finally {
      await restored.close();
    }

    const check = await runCli(['check'], { VITRAIL_DATA_DIR: restoredDir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it('makes an incremental backup holding only new blobs', async () => {
    const full = path.join(workDir, 'base.tar');
    await backUp(server, full);
    const added = await uploadPdf(server, 'nouveau.pdf');

    const incremental = path.join(workDir, 'incremental.tar');
    const result = await runCli(['backup', incremental, '--since', full], { VITRAIL_DATA_DIR: server.dataDir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /incremental to .*: database, 1 of \d+ blobs/);

    await assert.rejects(restoreInProcess(incremental, path.join(workDir, 'no-base')), /needs the earlier backup/);

    const restoredDir = path.join(workDir, 'incremental-restored');
    await restoreInProcess(incremental, restoredDir, { bases: [full] });
    const restored = await openRestored(restoredDir);
    try {
      const row = await restored.db.selectFrom('media').selectAll().where('id', '=', added.id).executeTakeFirstOrThrow();
      assert.deepEqual(await readBlob(restored, row.sha256), added.bytes);
      const count = await restored.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      const originalCount = await server.server.vitrail.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      assert.equal(Number(count.count), Number(originalCount.count));
    } finally {
      await restored.close();
    }
  });

  it('refuses a data directory that is not empty unless forced', async () => {
    const archive = path.join(workDir, 'again.tar');
    await backUp(server, archive);
    const target = path.join(workDir, 'busy');
    await restoreInProcess(archive, target);
    await writeFile(path.join(target, 'note.txt'), 'keep me');

    const refused = await runCli(['restore', archive, '--data-dir', target], {});
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not empty .*--force/);

    const stray = path.join(target, 'tmp', 'stray.part');
    await writeFile(stray, 'a blob no backup lists');
    const straySha256 = createHash('sha256').update('a blob no backup lists').digest('hex');
    const targetBlobs = new LocalBlobStore(path.join(target, 'blobs'));
    await targetBlobs.putFile(straySha256, stray);

    await restoreInProcess(archive, target, { force: true });
    assert.equal(await targetBlobs.stat(straySha256), null, '--force deletes blobs the backup does not list');
    assert.equal(await readFile(path.join(target, 'note.txt'), 'utf8'), 'keep me', '--force replaces only what Vitrail owns');
  });

  it('rejects a damaged archive and leaves no database behind', async () => {
    const archive = path.join(workDir, 'damaged.tar');
    await backUp(server, archive);
    const bytes = await readFile(archive);
    // Flips one byte of the last blob's content, which starts one 512-byte tar header after its name.
    const position = bytes.lastIndexOf('blobs/') + 512 + 100;
    bytes[position] = (bytes[position] ?? 0) ^ 0xff;
    await writeFile(archive, bytes);

    const target = path.join(workDir, 'from-damaged');
    const result = await runCli(['restore', archive, '--data-dir', target], {});
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is damaged/);
    assert.ok(!(await readdir(target)).includes('vitrail.db'));

    // A forced restore from the damaged archive keeps the database already there.
    const existing = path.join(workDir, 'existing');
    await restoreInProcess(path.join(workDir, 'again.tar'), existing);
    const before = await readFile(path.join(existing, 'vitrail.db'));
    await assert.rejects(restoreInProcess(archive, existing, { force: true }), /is damaged/);
    assert.deepEqual(await readFile(path.join(existing, 'vitrail.db')), before);
  });

  it('fails on a damaged blob and writes no archive', async () => {
    const damaged = await uploadPdf(server, 'abime.pdf');
    const row = await server.server.vitrail.db.selectFrom('media').selectAll().where('id', '=', damaged.id).executeTakeFirstOrThrow();
    const blobPath = (server.server.vitrail.blobs as LocalBlobStore).pathOf(row.sha256);
    const bytes = await readFile(blobPath);
    bytes[50] = (bytes[50] ?? 0) ^ 0xff;
    await writeFile(blobPath, bytes);
    try {
      const archive = path.join(workDir, 'refused.tar');
      await assert.rejects(backUp(server, archive), new RegExp(`The blob ${row.sha256} is damaged`));
      const left = (await readdir(workDir)).filter((name) => name.startsWith('refused') || name.includes('snapshot'));
      assert.deepEqual(left, []);
    } finally {
      bytes[50] = (bytes[50] ?? 0) ^ 0xff;
      await writeFile(blobPath, bytes);
    }
  });
});
