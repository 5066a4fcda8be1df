import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';

import { migrationProvider } from './migrations/index.js';
import type { DatabaseSchema } from './schema.js';

export type Database = Kysely<DatabaseSchema>;

export const DATABASE_FILE_NAME = 'vitrail.db';

/**
 * Opens the SQLite database of a data directory in WAL mode, so readers never wait for a writer and the
 * CLI can work beside a running server. The file is created when missing, unless `fileMustExist` is set.
 */
export function openSqliteDatabase(dataDir: string, options: { readonly fileMustExist?: boolean } = {}): Database {
  const connection = new SqliteDatabase(path.join(dataDir, DATABASE_FILE_NAME), { fileMustExist: options.fileMustExist ?? false });
  connection.pragma('journal_mode = WAL');
  // FULL syncs the WAL at each commit: an upload acknowledged with 201 survives a power cut, not only a crash.
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  // Another process (the CLI, another worker) may hold the write lock briefly; wait for it instead of failing.
  connection.pragma('busy_timeout = 5000');
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: connection }) });
}

/** Applies pending migrations; returns the names of those applied. */
export async function migrateToLatest(db: Database): Promise<string[]> {
  // Migrations were written in parallel and each touches only its own tables. So a migration numbered
  // below an applied one may still be applied later, because their order does not matter.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new Error(`Database migration failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
