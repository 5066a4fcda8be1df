import { closeSync, openSync, readSync } from 'node:fs';
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
 * Size of the first copy of the WAL-index header, at the start of the `-shm` file of SQLite's unix VFS
 * (sqlite.org/walformat.html). Each commit rewrites it, change counter included, before it completes.
 */
const WAL_INDEX_HEADER_BYTES = 48;

/** Maximum time between two full checks, in case the cheap check stops seeing changes (a replaced file). */
const FULL_CHECK_INTERVAL_MS = 1000;

/**
 * Follows the media_changes journal of a SQLite database so that changes made by other processes (other
 * workers, the CLI) reach this process's cache before its next response.
 *
 * `poll` runs before each cache lookup. While the WAL-index header (one 48-byte `pread`) is as the last poll
 * saw it, no connection has committed. Otherwise `PRAGMA data_version`, a read transaction with file locks, tells
 * whether another connection did, and only then is the journal read.
 */
export class MediaChangeFeed {
  private readonly connection: SqliteDatabase.Database;
  private readonly dataVersion: SqliteDatabase.Statement<[], number>;
  private readonly changesAfter: SqliteDatabase.Statement<[number], { seq: number; media_id: string }>;
  private readonly latestSeq: SqliteDatabase.Statement<[], number | null>;
  private lastVersion: number;
  private lastSeq: number;
  /** The `-shm` file and the header read at the last poll; null when it cannot be read, then every poll is full. */
  private readonly walIndex: { readonly fd: number; readonly current: Buffer; readonly seen: Buffer } | null;
  private lastFullCheck = 0;
  /** Whether `pollOncePerTurn` has polled in this turn of the event loop. An immediate clears it. */
  private polledThisTurn = false;
  private readonly endTurn = (): void => {
    this.polledThisTurn = false;
  };

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
    // The first read transaction creates the -shm file; the header is read before the version it vouches for.
    this.dataVersion.get();
    this.walIndex = openWalIndex(path.join(dataDir, `${DATABASE_FILE_NAME}-shm`));
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
    if (this.walIndexUnchanged()) return;
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

  /**
   * Polls once per turn of the event loop, for requests that the public path serves from its cache. The
   * requests read in one turn came in before the turn began, so a commit that this turn's poll missed was
   * not finished when they were sent, and a response from before it is still correct for them.
   *
   * NOTE: two cases escape that: a request that an HTTP/1.1 client pipelines behind another, and a turn
   * with over 1024 sockets ready at once, which libuv reads in several rounds.
   *
   * The check costs a `pread`. Once per request it cost about a tenth of a cached 20 KB response
   * (docs/benchmarks.md). Under load, `strace` counted about 18 requests per turn.
   */
  pollOncePerTurn(): void {
    if (this.polledThisTurn) return;
    this.poll();
    this.polledThisTurn = true;
    setImmediate(this.endTurn);
  }

  close(): void {
    if (this.walIndex !== null) closeSync(this.walIndex.fd);
    this.connection.close();
  }

  /** True when the WAL-index header is as the last poll saw it and a full check is not due. */
  private walIndexUnchanged(): boolean {
    const now = performance.now();
    if (this.walIndex === null || now - this.lastFullCheck >= FULL_CHECK_INTERVAL_MS) {
      this.lastFullCheck = now;
      if (this.walIndex !== null) readSync(this.walIndex.fd, this.walIndex.seen, 0, WAL_INDEX_HEADER_BYTES, 0);
      return false;
    }
    const { fd, current, seen } = this.walIndex;
    // A header read while a commit writes it differs from the one seen, so it leads to a full check too.
    if (readSync(fd, current, 0, WAL_INDEX_HEADER_BYTES, 0) === WAL_INDEX_HEADER_BYTES && current.equals(seen)) return true;
    current.copy(seen);
    return false;
  }
}

/** Opens the `-shm` file for reading, or returns null: the database then is not in WAL mode, or not here. */
function openWalIndex(shmPath: string): { fd: number; current: Buffer; seen: Buffer } | null {
  let fd: number;
  try {
    fd = openSync(shmPath, 'r');
  } catch {
    return null;
  }
  const seen = Buffer.alloc(WAL_INDEX_HEADER_BYTES);
  if (readSync(fd, seen, 0, WAL_INDEX_HEADER_BYTES, 0) !== WAL_INDEX_HEADER_BYTES) {
    closeSync(fd);
    return null;
  }
  return { fd, current: Buffer.alloc(WAL_INDEX_HEADER_BYTES), seen };
}
