import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

import { DATABASE_FILE_NAME, type Database } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

/**
 * Copies the live database of a data directory to `targetFile` with SQLite's online backup API. The copy
 * is one consistent state even while the server writes: SQLite restarts the copy when another connection
 * changes a page it already copied.
 */
export async function snapshotDatabase(dataDir: string, targetFile: string): Promise<void> {
  const source = new SqliteDatabase(path.join(dataDir, DATABASE_FILE_NAME), { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(targetFile);
  } finally {
    source.close();
  }
  // The copy keeps the source's WAL mode. Rollback-journal mode makes it one self-contained file, which a
  // read-only connection opens without creating -wal and -shm files beside it.
  const copy = new SqliteDatabase(targetFile, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** Opens a snapshot file read-only, for listing the blobs it references. */
export function openSnapshot(file: string): Database {
  const connection = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: connection }) });
}

/** A file name beside `near` that no other run uses, for a snapshot removed afterwards. */
export function temporarySnapshotPath(near: string): string {
  return path.join(path.dirname(near), `.${path.basename(near)}.${randomBytes(6).toString('hex')}.snapshot.db`);
}

export async function removeSnapshot(file: string): Promise<void> {
  await Promise.all(['', '-wal', '-shm', '-journal'].map((suffix) => rm(`${file}${suffix}`, { force: true })));
}
