import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';

import { DATABASE_FILE_NAME } from '../db/database.js';

/** Receives the ids of media changed by any process on the database. */
export interface MediaChangeSink {
  invalidate(mediaId: string): void;
  /** Called when changes may have been missed, such as journal rows pruned before they were read. */
  clear(): void;
}

/** Journal rows older than this are pruned at start; a process that has not polled that long clears its cache. */
const JOURNAL_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Follows the media_changes journal of a SQLite database so that changes made by other processes (other
 * workers, the CLI) reach this process's cache before its next response.
 *
 * `poll` runs before each cache lookup and costs one `PRAGMA data_version` on a connection of its own:
 * SQLite changes that number whenever another connection commits, and this connection never writes, so
 * only then is the journal read.
 */
export class MediaChangeFeed {
  private readonly connection: SqliteDatabase.Database;
  private readonly dataVersion: SqliteDatabase.Statement<[], number>;
  private readonly changesAfter: SqliteDatabase.Statement<[number], { seq: number; media_id: string }>;
  private readonly latestSeq: SqliteDatabase.Statement<[], number | null>;
  private lastVersion: number;
  private lastSeq: number;

  constructor(
    dataDir: string,
    private readonly sink: MediaChangeSink,
  ) {
    this.connection = new SqliteDatabase(path.join(dataDir, DATABASE_FILE_NAME));
    this.connection.pragma('busy_timeout = 5000');
    this.dataVersion = this.connection.prepare<[], number>('pragma data_version').pluck();
    this.changesAfter = this.connection.prepare<[number], { seq: number; media_id: string }>(
      'select seq, media_id from media_changes where seq > ? order by seq',
    );
    // The AUTOINCREMENT sequence survives pruning, unlike max(seq) of the rows left.
    this.latestSeq = this.connection.prepare<[], number | null>("select seq from sqlite_sequence where name = 'media_changes'").pluck();
    this.lastVersion = this.dataVersion.get() ?? 0;
    this.lastSeq = this.latestSeq.get() ?? 0;
  }

  /** Deletes journal rows older than a day; run by the process that owns the database at start. */
  static prune(dataDir: string, now: Date): number {
    const connection = new SqliteDatabase(path.join(dataDir, DATABASE_FILE_NAME));
    try {
      connection.pragma('busy_timeout = 5000');
      const cutoff = new Date(now.getTime() - JOURNAL_RETENTION_MS).toISOString();
      return connection.prepare('delete from media_changes where changed_at < ?').run(cutoff).changes;
    } finally {
      connection.close();
    }
  }

  /** Passes every change committed by another connection since the last poll to the sink. */
  poll(): void {
    const version = this.dataVersion.get() ?? 0;
    if (version === this.lastVersion) return;
    this.lastVersion = version;

    const rows = this.changesAfter.all(this.lastSeq);
    const expectedFirst = this.lastSeq + 1;
    for (const row of rows) {
      this.sink.invalidate(row.media_id);
      this.lastSeq = row.seq;
    }
    // Rows were pruned before this process read them: forget everything rather than serve a stale response.
    const latest = this.latestSeq.get() ?? 0;
    if ((rows[0] !== undefined && rows[0].seq !== expectedFirst) || latest > this.lastSeq) {
      this.sink.clear();
      this.lastSeq = latest;
    }
  }

  close(): void {
    this.connection.close();
  }
}
