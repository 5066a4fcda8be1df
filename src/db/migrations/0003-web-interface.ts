import type { Kysely } from 'kysely';

/**
 * What the web interface needs: sign-in sessions and failed sign-in attempts, kept in the database so
 * every instance behind a load balancer shares them, and a folder label on media.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('last_seen_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('login_failures')
    .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('failed_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('login_failures_subject').on('login_failures').columns(['subject', 'failed_at']).execute();

  await db.schema
    .alterTable('media')
    .addColumn('folder', 'text', (column) => column.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('media_folder').on('media').columns(['folder', 'trashed_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('media_folder').execute();
  await db.schema.alterTable('media').dropColumn('folder').execute();
  await db.schema.dropTable('login_failures').execute();
  await db.schema.dropTable('sessions').execute();
}
