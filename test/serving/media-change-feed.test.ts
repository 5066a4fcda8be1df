import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';

import { DATABASE_FILE_NAME, migrateToLatest, openSqliteDatabase, type Database } from '../../src/db/database.js';
import { MediaChangeFeed } from '../../src/serving/media-change-feed.js';

function recordingSink() {
  const sink = { invalidated: [] as string[], clears: 0, invalidate: (id: string) => sink.invalidated.push(id), clear: () => (sink.clears += 1) };
  return sink;
}

describe('MediaChangeFeed', () => {
  let dataDir: string;
  let db: Database;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-feed-'));
    db = openSqliteDatabase(dataDir);
    await migrateToLatest(db);
    await db
      .insertInto('media')
      .values({
        id: 'media-0000000000000a',
        name: 'a.pdf',
        name_folded: 'a.pdf',
        mime: 'application/pdf',
        size: 1,
        sha256: 'a'.repeat(64),
        width: null,
        height: null,
        visibility: 'public',
        created_by: null,
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
        trashed_at: null,
      })
      .execute();
  });
  after(async () => {
    await db.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reports updates and deletes from other connections', async () => {
    const sink = recordingSink();
    const feed = new MediaChangeFeed(dataDir, sink);
    feed.poll();
    assert.deepEqual(sink.invalidated, []);

    await db.updateTable('media').set({ visibility: 'private' }).where('id', '=', 'media-0000000000000a').execute();
    feed.poll();
    assert.deepEqual(sink.invalidated, ['media-0000000000000a']);
    feed.poll();
    assert.equal(sink.invalidated.length, 1, 'a change is reported once');
    feed.close();
  });

  it('sees each commit before the next poll', async () => {
    const sink = recordingSink();
    const feed = new MediaChangeFeed(dataDir, sink);
    for (let round = 1; round <= 40; round += 1) {
      // Polls with nothing new in between take the cheap path, which must not hide the next change.
      feed.poll();
      feed.poll();
      await db.updateTable('media').set({ name: `round-${round}.pdf` }).where('id', '=', 'media-0000000000000a').execute();
      feed.poll();
      assert.equal(sink.invalidated.length, round, `change ${round} is seen by the poll that follows it`);
    }
    feed.close();
  });

  it('checks once per loop turn', async () => {
    const sink = recordingSink();
    const feed = new MediaChangeFeed(dataDir, sink);
    // A connection of its own, whose commits finish before the next statement, with no await between.
    const other = new SqliteDatabase(path.join(dataDir, DATABASE_FILE_NAME));
    const rename = other.prepare("update media set name = ? where id = 'media-0000000000000a'");
    try {
      feed.pollOncePerTurn();
      rename.run('same-turn.pdf');
      feed.pollOncePerTurn();
      assert.deepEqual(sink.invalidated, [], 'a commit within the turn waits for the next turn');
      feed.poll();
      assert.equal(sink.invalidated.length, 1, 'a full poll sees it at once');

      await new Promise((resolve) => setImmediate(resolve));
      rename.run('next-turn.pdf');
      feed.pollOncePerTurn();
      assert.equal(sink.invalidated.length, 2, 'the first check of the next turn sees the commit before it');
    } finally {
      other.close();
      feed.close();
    }
  });

  it('still works on a database that is not in WAL mode', async () => {
    const rollbackDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-feed-rollback-'));
    const rollbackDb = openSqliteDatabase(rollbackDir);
    try {
      await migrateToLatest(rollbackDb);
      await sql`pragma journal_mode = delete`.execute(rollbackDb);
      const sink = recordingSink();
      const feed = new MediaChangeFeed(rollbackDir, sink);
      await sql`insert into media_changes (media_id, changed_at) values ('media-0000000000000b', '2026-01-01T00:00:00.000Z')`.execute(rollbackDb);
      feed.poll();
      assert.deepEqual(sink.invalidated, ['media-0000000000000b']);
      feed.close();
    } finally {
      await rollbackDb.destroy();
      await rm(rollbackDir, { recursive: true, force: true });
    }
  });

  it('clears everything when unread changes were pruned', async () => {
    const sink = recordingSink();
    const feed = new MediaChangeFeed(dataDir, sink);
    await db.updateTable('media').set({ name: 'b.pdf' }).where('id', '=', 'media-0000000000000a').execute();
    const pruned = MediaChangeFeed.prune(dataDir, new Date(Date.now() + 2 * 24 * 60 * 60 * 1000));
    assert.ok(pruned >= 1);
    feed.poll();
    assert.equal(sink.clears, 1);
    feed.close();
  });
});
