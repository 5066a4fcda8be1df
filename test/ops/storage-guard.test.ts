import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { checkIntegrity } from '../../src/ops/integrity-check.js';
import { systemClock } from '../../src/time/clock.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { countMediaRows, stagingLeftovers, upload } from '../support/uploads.js';

function pdf(size: number): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(size), Buffer.from('\n%%EOF\n')]);
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** Mounting a tmpfs needs root; elsewhere the test is skipped with this reason. */
function tmpfsUnavailable(): string | false {
  if (process.platform !== 'linux') return 'skipped: a tmpfs mount needs Linux';
  if (process.getuid?.() !== 0) return 'skipped: mounting a small tmpfs needs root (CI runs as root)';
  return false;
}

describe('uploads on a small full file system', { skip: tmpfsUnavailable() }, () => {
  let mountPoint: string;
  let mounted = false;
  let mountFailure = '';
  let server: TestServer;
  const filler = () => path.join(mountPoint, 'filler.bin');

  before(async () => {
    mountPoint = await mkdtemp(path.join(os.tmpdir(), 'vitrail-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
      mounted = true;
    } catch (error) {
      // A container without CAP_SYS_ADMIN rejects mount even for root.
      mountFailure = `skipped: mounting a tmpfs failed (${(error as Error).message.split('\n')[0] ?? ''})`;
      return;
    }
    server = await startTestServer({ VITRAIL_DATA_DIR: path.join(mountPoint, 'data'), VITRAIL_MIN_FREE_DISK: '1MiB' });
  });
  after(async () => {
    if (mounted) {
      await server?.close();
      execFileSync('umount', [mountPoint]);
    }
    await rmdir(mountPoint);
  });

  /** Fills the file system until `leftBytes` remain free. */
  async function fillUntil(leftBytes: number): Promise<void> {
    const { statfs } = await import('node:fs/promises');
    const stats = await statfs(mountPoint);
    const free = stats.bavail * stats.bsize;
    await writeFile(filler(), Buffer.alloc(Math.max(0, free - leftBytes)));
  }

  it('answers 507 under the floor, then recovers', async (t) => {
    if (!mounted) return t.skip(mountFailure);
    const kept = pdf(100 * 1024);
    const first = await upload(server, { name: 'avant.pdf', content: kept });
    assert.equal(first.status, 201);
    const media = (await first.json()) as { url: string };

    await fillUntil(512 * 1024);
    const refused = await upload(server, { name: 'refuse.pdf', content: pdf(10 * 1024) });
    assert.equal(refused.status, 507);
    assert.equal(await errorCode(refused), 'VITRAIL_STORAGE_FULL');

    const served = await fetch(media.url);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), kept);

    await rm(filler());
    const again = await upload(server, { name: 'apres.pdf', content: pdf(10 * 1024) });
    assert.equal(again.status, 201);
  });

  it('answers 507 when the disk fills during an upload', async (t) => {
    if (!mounted) return t.skip(mountFailure);
    await fillUntil(1024 * 1024 + 64 * 1024);
    // Above the floor when it starts, larger than the space left: the write itself fails with ENOSPC.
    const refused = await upload(server, { name: 'trop.pdf', content: pdf(2 * 1024 * 1024) });
    assert.equal(refused.status, 507);
    assert.equal(await errorCode(refused), 'VITRAIL_STORAGE_FULL');
    assert.deepEqual(await stagingLeftovers(server), []);
    await rm(filler());

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
    assert.ok(report.healthy, JSON.stringify(report.findings));
    assert.equal(report.blobsVerified, await countMediaRows(server));
  });
});

describe('storage quotas', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_USER_QUOTA: '150KiB', VITRAIL_STORAGE_QUOTA: '250KiB' });
  });
  after(async () => {
    await server.close();
  });

  it('rejects an upload past the user quota with 413 and the quota', async () => {
    assert.equal((await upload(server, { name: 'a.pdf', content: pdf(100 * 1024) })).status, 201);
    const refused = await upload(server, { name: 'b.pdf', content: pdf(60 * 1024) });
    assert.equal(refused.status, 413);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'VITRAIL_USER_QUOTA_EXCEEDED');
    assert.match(body.error.message, /quota of 150 KiB \(153600 bytes\)/);
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('rejects an upload past the global quota with 413', async () => {
    const other = await server.createUserToken('autre@example.org', 'editor');
    assert.equal((await upload(server, { name: 'c.pdf', content: pdf(100 * 1024), token: other })).status, 201);
    const refused = await upload(server, { name: 'd.pdf', content: pdf(60 * 1024), token: server.adminToken });
    assert.equal(refused.status, 413);
    assert.equal(await errorCode(refused), 'VITRAIL_STORAGE_QUOTA_EXCEEDED');
  });
});
