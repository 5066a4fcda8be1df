import { sql, type Kysely } from 'kysely';

/**
 * A journal of changed media ids, filled by triggers, so every process on the database (server workers,
 * the CLI) learns which cached media to forget, whatever code path made the change.
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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger media_changes_on_delete`.execute(db);
  await sql`drop trigger media_changes_on_update`.execute(db);
  await db.schema.dropTable('media_changes').execute();
}
