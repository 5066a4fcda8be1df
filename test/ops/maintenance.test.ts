import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Migrator } from 'kysely';
import pino from 'pino';

import { loadSettings } from '../../src/config/settings.js';
import { openSqliteDatabase, migrateToLatest, type Database } from '../../src/db/database.js';
import * as initial from '../../src/db/migrations/0001-initial.js';
import { rotateBackups, scheduledBackupPath } from '../../src/ops/backup-rotation.js';
import { checkpointDatabase, removeStaleStagingFiles } from '../../src/ops/maintenance-tasks.js';
import { MaintenanceScheduler, maintenanceTask } from '../../src/ops/maintenance.js';
import { openVitrail } from '../../src/vitrail.js';
import { readManifest } from '../../src/ops/backup-manifest.js';
import { SettableClock } from '../support/settable-clock.js';
import { startTestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { bearer } from '../support/test-server.js';

const silent = pino({ level: 'silent' });
const HOUR_MS = 3_600_000;

describe('maintenance scheduler', () => {
  let dataDir: string;
  let first: Database;
  let second: Database;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-maintenance-'));
    first = openSqliteDatabase(dataDir);
    await migrateToLatest(first);
    second = openSqliteDatabase(dataDir);
  });
  after(async () => {
    await first.destroy();
    await second.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs a due task on one instance only', async () => {
    const clock = new SettableClock(new Date('2026-01-01T00:00:00Z'));
    let runs = 0;
    const task = maintenanceTask('counting', HOUR_MS, async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { runs };
    });
    const instances = [first, second].map((db, index) =>
      new MaintenanceScheduler({ db, clock, logger: silent, holderId: `instance-${index}` }).register(task),
    );

    const results = await Promise.all(instances.map((scheduler) => scheduler.runDue()));
    assert.equal(runs, 1);
    assert.equal(results.flat().length, 1);

    await Promise.all(instances.map((scheduler) => scheduler.runDue()));
    assert.equal(runs, 1, 'a task must not run again before its interval');

    clock.advance(HOUR_MS);
    await Promise.all(instances.map((scheduler) => scheduler.runDue()));
    assert.equal(runs, 2);

    const lease = await first.selectFrom('maintenance_leases').selectAll().where('task', '=', 'counting').executeTakeFirstOrThrow();
    assert.equal(lease.holder, null);
    assert.deepEqual(JSON.parse(lease.last_outcome ?? 'null'), { runs: 2 });
  });

  it('records a failed run and releases the task', async () => {
    const clock = new SettableClock(new Date('2026-01-01T00:00:00Z'));
    const scheduler = new MaintenanceScheduler({ db: first, clock, logger: silent }).register(
      maintenanceTask('failing', HOUR_MS, async () => {
        throw new Error('disk on fire');
      }),
    );
    const [run] = await scheduler.runDue();
    assert.equal(run?.error, 'disk on fire');
    const lease = await first.selectFrom('maintenance_leases').selectAll().where('task', '=', 'failing').executeTakeFirstOrThrow();
    assert.equal(lease.holder, null);
    assert.deepEqual(JSON.parse(lease.last_outcome ?? 'null'), { error: 'disk on fire' });
  });

  it('takes over a task whose holder died after its lease', async () => {
    const clock = new SettableClock(new Date('2026-02-01T00:00:00Z'));
    await first
      .insertInto('maintenance_leases')
      .values({ task: 'orphaned', holder: 'dead-instance', lease_expires_at: '2026-02-01T00:30:00.000Z', last_started_at: '2026-01-31T23:30:00.000Z', last_finished_at: null, last_outcome: null })
      .execute();
    let runs = 0;
    const scheduler = new MaintenanceScheduler({ db: first, clock, logger: silent }).register(
      maintenanceTask('orphaned', 60_000, async () => ({ runs: ++runs })),
    );
    await scheduler.runDue();
    assert.equal(runs, 0, 'the lease is still valid');
    clock.advance(HOUR_MS);
    await scheduler.runDue();
    assert.equal(runs, 1);
  });

  it('checkpoints and optimises SQLite', async () => {
    const outcome = await checkpointDatabase(first);
    assert.equal(outcome.optimized, true);
    assert.equal(typeof outcome.walPages, 'number');
  });
});

describe('maintenance tasks', () => {
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-tasks-'));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('removes staging files older than the grace period only', async () => {
    const staging = path.join(workDir, 'tmp');
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging);
    await writeFile(path.join(staging, 'old.part'), 'interrupted');
    await writeFile(path.join(staging, 'young.part'), 'in progress');
    const now = new Date();
    const old = new Date(now.getTime() - 7 * HOUR_MS);
    await utimes(path.join(staging, 'old.part'), old, old);

    const outcome = await removeStaleStagingFiles(staging, now, 6 * HOUR_MS);
    assert.deepEqual(outcome, { removed: 1, kept: 1 });
    assert.deepEqual(await readdir(staging), ['young.part']);
  });

  it('keeps the newest scheduled backups and no other file', async () => {
    const backups = path.join(workDir, 'backups');
    const start = Date.parse('2026-03-01T00:00:00Z');
    for (let day = 0; day < 5; day += 1) await writeFile(await scheduledBackupPath(backups, new Date(start + day * 24 * HOUR_MS)), 'x');
    await writeFile(path.join(backups, 'my-own-archive.tar'), 'x');

    const deleted = await rotateBackups(backups, 3);
    assert.deepEqual(deleted, ['vitrail-backup-20260301T000000Z.tar', 'vitrail-backup-20260302T000000Z.tar']);
    assert.deepEqual((await readdir(backups)).sort(), [
      'my-own-archive.tar',
      'vitrail-backup-20260303T000000Z.tar',
      'vitrail-backup-20260304T000000Z.tar',
      'vitrail-backup-20260305T000000Z.tar',
    ]);
  });

  it('copies the database before a migration of existing data', async () => {
    const dataDir = path.join(workDir, 'old-release');
    await mkdir(dataDir);
    const db = openSqliteDatabase(dataDir);
    const oldRelease = new Migrator({ db, provider: { getMigrations: async () => ({ '0001-initial': initial }) } });
    assert.equal((await oldRelease.migrateToLatest()).error, undefined);
    await db.destroy();

    const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), silent);
    await vitrail.close();
    const copies = await readdir(path.join(dataDir, 'backups'));
    assert.equal(copies.length, 1);
    assert.match(copies[0] ?? '', /^vitrail-before-migration-\d{8}T\d{6}Z\.db$/);

    const again = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), silent);
    await again.close();
    assert.equal((await readdir(path.join(dataDir, 'backups'))).length, 1, 'no copy when nothing is pending');
  });
});

describe('server maintenance schedule', () => {
  it('runs every task once, including a scheduled backup', async () => {
    const backupDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-scheduled-'));
    const server = await startTestServer({ VITRAIL_BACKUP_DIR: backupDir, VITRAIL_MAINTENANCE: 'off' });
    try {
      assert.equal((await upload(server, { name: 'programme.pdf', content: MINIMAL_PDF })).status, 201);
      assert.deepEqual(server.server.maintenance.taskNames, ['database-checkpoint', 'staging-cleanup', 'trash-purge', 'scheduled-backup']);

      const runs = await server.server.maintenance.runDue();
      assert.deepEqual(runs.map((run) => run.error), [null, null, null, null]);
      const backups = await readdir(backupDir);
      assert.equal(backups.length, 1);
      const manifest = await readManifest(path.join(backupDir, backups[0] ?? ''));
      assert.equal(manifest.blobs.length, 1);
      assert.equal(runs.find((run) => run.task === 'scheduled-backup')?.outcome?.backupId, manifest.id);

      assert.deepEqual(await server.server.maintenance.runDue(), [], 'no task is due again right away');
    } finally {
      await server.close();
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('purges trashed media past their retention only', async () => {
    const server = await startTestServer({ VITRAIL_MAINTENANCE: 'off', VITRAIL_TRASH_RETENTION_DAYS: '1' });
    try {
      const ids: string[] = [];
      for (const name of ['ancien.pdf', 'recent.pdf']) {
        const content = Buffer.concat([Buffer.from(MINIMAL_PDF), Buffer.from(`% ${name}\n`)]);
        const response = await upload(server, { name, content });
        assert.equal(response.status, 201);
        const { id } = (await response.json()) as { id: string };
        const trashed = await fetch(`${server.url}/api/v1/media/${id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
        assert.equal(trashed.status, 200, await trashed.text());
        ids.push(id);
      }
      const [expired, kept] = ids as [string, string];
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * HOUR_MS).toISOString();
      await server.server.vitrail.db.updateTable('media').set({ trashed_at: twoDaysAgo }).where('id', '=', expired).execute();

      const runs = await server.server.maintenance.runDue();
      const purge = runs.find((run) => run.task === 'trash-purge');
      assert.deepEqual(purge?.outcome, { purged: 1, blobsDeleted: 1 });

      const rows = await server.server.vitrail.db.selectFrom('media').select(['id', 'trashed_at']).where('id', 'in', ids).execute();
      assert.deepEqual(rows.map((row) => row.id), [kept]);
      assert.notEqual(rows[0]?.trashed_at, null);
    } finally {
      await server.close();
    }
  });
});
