import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import { sql } from 'kysely';

import type { Database } from '../db/database.js';
import { isNotFound } from '../storage/local-blob-store.js';
import type { Clock } from '../time/clock.js';
import type { Vitrail } from '../vitrail.js';
import { rotateBackups, scheduledBackupPath } from './backup-rotation.js';
import { createBackup } from './backup.js';
import { MaintenanceScheduler, maintenanceTask, type TaskOutcome } from './maintenance.js';

/**
 * Creates the maintenance schedule of a server: one `register` line per task, with its interval from the
 * settings. Tasks of other areas (share link expiry, resumable upload expiry, variant cache size cap) are
 * registered here the same way.
 */
export function createMaintenanceScheduler(vitrail: Vitrail, clock: Clock): MaintenanceScheduler {
  const { ops } = vitrail.settings;
  const scheduler = new MaintenanceScheduler({ db: vitrail.db, clock, logger: vitrail.logger });

  scheduler.register(maintenanceTask('database-checkpoint', ops.databaseMaintenanceIntervalMs, () => checkpointDatabase(vitrail.db)));
  scheduler.register(
    maintenanceTask('staging-cleanup', ops.stagingCleanupIntervalMs, (now) => removeStaleStagingFiles(vitrail.staging.directory, now, ops.cleanupGraceMs)),
  );
  scheduler.register(maintenanceTask('trash-purge', ops.trashPurgeIntervalMs, (now) => purgeExpiredTrash(vitrail, now)));
  const backupDir = ops.backupDir;
  if (backupDir !== null) {
    scheduler.register(
      maintenanceTask('scheduled-backup', ops.backupIntervalMs, (now) => runScheduledBackup(vitrail, backupDir, now, clock), 24 * 3_600_000),
    );
  }
  return scheduler;
}

/**
 * Moves the WAL's content into the database file and truncates the WAL, then lets SQLite refresh the
 * statistics its query planner uses. Readers of an older snapshot can keep a checkpoint from completing;
 * `busy` reports that, and the next run catches up.
 */
export async function checkpointDatabase(db: Database): Promise<TaskOutcome> {
  const checkpoint = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  await sql`pragma optimize`.execute(db);
  const row = checkpoint.rows[0];
  return { checkpointBusy: row?.busy === 1, walPages: row?.log ?? 0, checkpointedPages: row?.checkpointed ?? 0, optimized: true };
}

/** Deletes staging files older than the grace period: uploads that a crash or a lost client left behind. */
export async function removeStaleStagingFiles(directory: string, now: Date, graceMs: number): Promise<TaskOutcome> {
  let removed = 0;
  let kept = 0;
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    if (isNotFound(error)) return { removed, kept };
    throw error;
  }
  for (const entry of entries) {
    const file = path.join(directory, entry);
    try {
      const age = now.getTime() - (await stat(file)).mtime.getTime();
      if (age < graceMs) {
        kept += 1;
        continue;
      }
      await rm(file, { recursive: true, force: true });
      removed += 1;
    } catch (error) {
      // The upload finished and moved its file away in the meantime.
      if (!isNotFound(error)) throw error;
    }
  }
  return { removed, kept };
}

/** Purges the media whose time in the trash (VITRAIL_TRASH_RETENTION_DAYS) has passed at `now`. */
async function purgeExpiredTrash(vitrail: Vitrail, now: Date): Promise<TaskOutcome> {
  const results = await vitrail.media.purgeExpiredTrash(now);
  return { purged: results.length, blobsDeleted: results.reduce((sum, result) => sum + result.blobsDeleted, 0) };
}

async function runScheduledBackup(vitrail: Vitrail, backupDir: string, now: Date, clock: Clock): Promise<TaskOutcome> {
  const file = await scheduledBackupPath(backupDir, now);
  const result = await createBackup({ dataDir: vitrail.settings.dataDir, blobs: vitrail.blobs, file, clock });
  const deleted = await rotateBackups(backupDir, vitrail.settings.ops.backupKeep);
  return { file, backupId: result.manifest.id, blobs: result.blobsWritten, bytes: result.bytesWritten, deleted };
}
