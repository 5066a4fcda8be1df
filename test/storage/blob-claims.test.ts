import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';

import { migrateToLatest, openSqliteDatabase, type Database } from '../../src/db/database.js';
import { BlobClaimRepository } from '../../src/db/repositories/blob-claim-repository.js';
import { MediaPurgeRepository } from '../../src/db/repositories/media-purge-repository.js';
import { MediaRepository } from '../../src/db/repositories/media-repository.js';
import { MediaPurge } from '../../src/media/media-purge.js';
import { newMediaRow } from '../../src/media/media-service.js';
import { BlobClaims, BlobClaimTimeoutError } from '../../src/storage/blob-claims.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import type { Clock } from '../../src/time/clock.js';
import { SettableClock } from '../support/settable-clock.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { upload } from '../support/uploads.js';

const silent = pino({ level: 'silent' });
const MINUTE_MS = 60_000;

/** Waits `ms` and returns whether `promise` settled within that time. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}

describe('blob claims', () => {
  let dataDir: string;
  let db: Database;
  let otherProcessDb: Database;
  let fileCount = 0;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-blob-claims-'));
    db = openSqliteDatabase(dataDir);
    await migrateToLatest(db);
    // A second connection to the same file stands for another process: a worker or the CLI.
    otherProcessDb = openSqliteDatabase(dataDir);
  });
  after(async () => {
    await db.destroy();
    await otherProcessDb.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  function claimsOn(database: Database, clock: Clock = new SettableClock(new Date('2026-03-01T10:00:00Z')), waitLimitMs?: number): BlobClaims {
    return new BlobClaims({ repository: new BlobClaimRepository(database), clock, logger: silent, waitLimitMs });
  }

  /** Writes a file of unique content into the data directory; returns its path and SHA-256. */
  async function uniqueFile(): Promise<{ path: string; sha256: string }> {
    fileCount += 1;
    const content = Buffer.from(`%PDF-1.4\nblob claims test ${fileCount} ${Date.now()}\n%%EOF\n`);
    const filePath = path.join(dataDir, `upload-${fileCount}.pdf`);
    await writeFile(filePath, content);
    return { path: filePath, sha256: createHash('sha256').update(content).digest('hex') };
  }

  it('makes a second holder wait for the first', async () => {
    const first = claimsOn(db).open();
    const sha256 = 'a'.repeat(64);
    await first.claim(sha256);

    const order: string[] = [];
    const second = claimsOn(otherProcessDb).withClaim(sha256, async () => {
      order.push('second');
    });
    assert.equal(await settlesWithin(second, 150), false);

    order.push('first released');
    await first.release();
    await second;
    assert.deepEqual(order, ['first released', 'second']);
  });

  it('takes over a claim whose holder died', async () => {
    const clock = new SettableClock(new Date('2026-03-01T10:00:00Z'));
    const sha256 = 'b'.repeat(64);
    await claimsOn(db, clock).open().claim(sha256);

    clock.advance(11 * MINUTE_MS);
    let ran = false;
    await claimsOn(otherProcessDb, clock, 1_000).withClaim(sha256, async () => {
      ran = true;
    });
    assert.equal(ran, true);
  });

  it('gives up with a 503 after the wait limit', async () => {
    const sha256 = 'c'.repeat(64);
    const holder = claimsOn(db).open();
    await holder.claim(sha256);

    await assert.rejects(
      claimsOn(otherProcessDb, undefined, 100).withClaim(sha256, async () => undefined),
      (error: unknown) => error instanceof BlobClaimTimeoutError && error.status === 503,
    );
    await holder.release();
  });

  it('releases only its own claims', async () => {
    const clock = new SettableClock(new Date('2026-03-01T10:00:00Z'));
    const sha256 = 'd'.repeat(64);
    const dead = claimsOn(db, clock).open();
    await dead.claim(sha256);
    clock.advance(11 * MINUTE_MS);
    const successor = claimsOn(otherProcessDb, clock).open();
    await successor.claim(sha256);

    // The first holder comes back and releases: the successor's claim must stay.
    await dead.release();
    const waiting = claimsOn(db, clock, 1_000).withClaim(sha256, async () => undefined);
    assert.equal(await settlesWithin(waiting, 150), false);
    await successor.release();
    await waiting;
  });

  it('keeps a blob a pending upload stored', async () => {
    const blobs = new LocalBlobStore(path.join(dataDir, 'blobs'));
    const purge = new MediaPurge(new MediaPurgeRepository(otherProcessDb), blobs, claimsOn(otherProcessDb), silent);
    const file = await uniqueFile();
    const size = (await stat(file.path)).size;

    // The upload stores the bytes, which no row references yet, and is about to commit its row.
    const upload = claimsOn(db).open();
    await upload.claim(file.sha256);
    await blobs.putFile(file.sha256, file.path);

    const purging = purge.deleteUnreferencedBlobs([file.sha256]);
    assert.equal(await settlesWithin(purging, 150), false);

    const checked = { name: 'bulletin.pdf', mime: 'application/pdf', extension: 'pdf', size, sha256: file.sha256, width: null, height: null };
    const now = new Date().toISOString();
    await new MediaRepository(db).insert(newMediaRow(checked, { visibility: 'public', alt: '', createdBy: null, createdAt: now, updatedAt: now }));
    await upload.release();

    assert.equal(await purging, 0);
    assert.notEqual(await blobs.stat(file.sha256), null);
  });

  it('deletes a blob its upload abandoned', async () => {
    const blobs = new LocalBlobStore(path.join(dataDir, 'blobs'));
    const purge = new MediaPurge(new MediaPurgeRepository(otherProcessDb), blobs, claimsOn(otherProcessDb), silent);
    const file = await uniqueFile();

    const upload = claimsOn(db).open();
    await upload.claim(file.sha256);
    await blobs.putFile(file.sha256, file.path);
    const purging = purge.deleteUnreferencedBlobs([file.sha256]);
    assert.equal(await settlesWithin(purging, 150), false);

    await upload.release();
    assert.equal(await purging, 1);
    assert.equal(await blobs.stat(file.sha256), null);
  });
});

describe('blob claims at upload', () => {
  let server: TestServer;
  let otherProcessDb: Database;

  before(async () => {
    server = await startTestServer();
    otherProcessDb = openSqliteDatabase(server.dataDir);
  });
  after(async () => {
    await otherProcessDb.destroy();
    await server.close();
  });

  it('waits for a purge of the same bytes', async () => {
    const content = Buffer.from(`%PDF-1.4\nclaimed elsewhere ${Date.now()}\n%%EOF\n`);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const purge = new BlobClaims({
      repository: new BlobClaimRepository(otherProcessDb),
      clock: { now: () => new Date() },
      logger: silent,
    }).open();
    await purge.claim(sha256);

    const uploading = upload(server, { name: 'bulletin.pdf', content, type: 'application/pdf' });
    assert.equal(await settlesWithin(uploading, 200), false);

    await purge.release();
    const response = await uploading;
    assert.equal(response.status, 201);
    const body = (await response.json()) as { sha256: string };
    assert.equal(body.sha256, sha256);
  });
});
