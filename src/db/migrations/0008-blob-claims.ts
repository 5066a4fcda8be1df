import type { Kysely } from 'kysely';

/**
 * One row per blob that a process is storing or deleting right now. Claims make the two take turns, so a
 * purge never deletes a blob that an upload of the same bytes has just stored and is about to reference.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('blob_claims')
    .addColumn('sha256', 'text', (column) => column.primaryKey())
    .addColumn('holder', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('blob_claims').execute();
}
