import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { Migrator } from 'kysely';
import type { Logger } from 'pino';

import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { migrationProvider } from '../db/migrations/index.js';
import { snapshotDatabase } from './database-snapshot.js';

/**
 * Copies the database before pending migrations change a database that already has applied ones. Only
 * the database is copied: migrations never touch blobs. To go back, stop the server and put the copy in
 * place of vitrail.db. Returns the copy's path, or null when no copy was needed.
 */
export async function backupBeforeMigration(db: Database, settings: Settings, logger: Logger, now: Date): Promise<string | null> {
  const migrations = await new Migrator({ db, provider: migrationProvider }).getMigrations();
  const applied = migrations.filter((migration) => migration.executedAt !== undefined);
  const pending = migrations.filter((migration) => migration.executedAt === undefined);
  if (applied.length === 0 || pending.length === 0) return null;

  const directory = settings.ops.backupDir ?? path.join(settings.dataDir, 'backups');
  await mkdir(directory, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = path.join(directory, `vitrail-before-migration-${stamp}.db`);
  await snapshotDatabase(settings.dataDir, file);
  logger.info({ file, pending: pending.map((migration) => migration.name) }, 'copied the database before migrating it');
  return file;
}
