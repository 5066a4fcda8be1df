import { sql, type Kysely } from 'kysely';

/**
 * Two additions for serving and listing at size:
 * - media_changes, a journal of changed media ids filled by triggers, so every process on the database
 *   (server workers, the CLI) learns which cached media to forget, whatever code path made the change;
 * - media_search, an FTS5 trigram index of the folded names, so substring search needs no full scan, and
 *   partial indexes that give the library and the trash listing their order without sorting.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('media_changes')
    .addColumn('seq', 'integer', (column) => column.primaryKey().autoIncrement())
    .addColumn('media_id', 'text', (column) => column.notNull())
    .addColumn('changed_at', 'text', (column) => column.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute();

  await sql`
    create trigger media_changes_on_update after update on media
    begin
      insert into media_changes (media_id) values (old.id);
    end
  `.execute(db);
  await sql`
    create trigger media_changes_on_delete after delete on media
    begin
      insert into media_changes (media_id) values (old.id);
    end
  `.execute(db);

  // External-content FTS5 table: it stores only the index, and triggers keep it in step with media rows.
  await sql`
    create virtual table media_search using fts5(name_folded, content = 'media', content_rowid = 'rowid', tokenize = 'trigram')
  `.execute(db);
  await sql`insert into media_search (media_search) values ('rebuild')`.execute(db);
  await sql`
    create trigger media_search_on_insert after insert on media
    begin
      insert into media_search (rowid, name_folded) values (new.rowid, new.name_folded);
    end
  `.execute(db);
  await sql`
    create trigger media_search_on_delete after delete on media
    begin
      insert into media_search (media_search, rowid, name_folded) values ('delete', old.rowid, old.name_folded);
    end
  `.execute(db);
  await sql`
    create trigger media_search_on_rename after update of name_folded on media
    begin
      insert into media_search (media_search, rowid, name_folded) values ('delete', old.rowid, old.name_folded);
      insert into media_search (rowid, name_folded) values (new.rowid, new.name_folded);
    end
  `.execute(db);

  await sql`create index media_library_order on media (created_at desc, id desc) where trashed_at is null`.execute(db);
  await sql`create index media_trash_order on media (created_at desc, id desc) where trashed_at is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index media_trash_order`.execute(db);
  await sql`drop index media_library_order`.execute(db);
  await sql`drop trigger media_search_on_rename`.execute(db);
  await sql`drop trigger media_search_on_delete`.execute(db);
  await sql`drop trigger media_search_on_insert`.execute(db);
  await sql`drop table media_search`.execute(db);
  await sql`drop trigger media_changes_on_delete`.execute(db);
  await sql`drop trigger media_changes_on_update`.execute(db);
  await db.schema.dropTable('media_changes').execute();
}
