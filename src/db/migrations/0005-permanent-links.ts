import { sql, type Kysely } from 'kysely';

/**
 * Permanent links: earlier versions of replaced media, blobs derived from a media, tombstones of purged
 * media, daily fetch counts, and what the Drupal importer brought in with the old paths that must keep
 * answering.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('media').addColumn('version', 'integer', (column) => column.notNull().defaultTo(1)).execute();
  // When the current content was stored; null until the first replacement, so created_at still applies.
  await db.schema.alterTable('media').addColumn('content_changed_at', 'text').execute();

  await db.schema
    .createTable('media_versions')
    .addColumn('media_id', 'text', (column) => column.notNull().references('media.id').onDelete('cascade'))
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('mime', 'text', (column) => column.notNull())
    .addColumn('size', 'bigint', (column) => column.notNull())
    .addColumn('sha256', 'text', (column) => column.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('stored_at', 'text', (column) => column.notNull())
    .addColumn('replaced_at', 'text', (column) => column.notNull())
    .addColumn('replaced_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addPrimaryKeyConstraint('media_versions_pk', ['media_id', 'version'])
    .execute();
  await db.schema.createIndex('media_versions_sha256').on('media_versions').column('sha256').execute();

  await db.schema
    .createTable('media_derived_blobs')
    .addColumn('media_id', 'text', (column) => column.notNull().references('media.id').onDelete('cascade'))
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('sha256', 'text', (column) => column.notNull())
    .addColumn('size', 'bigint', (column) => column.notNull())
    .addColumn('mime', 'text', (column) => column.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('media_derived_blobs_pk', ['media_id', 'kind', 'key'])
    .execute();
  await db.schema.createIndex('media_derived_blobs_sha256').on('media_derived_blobs').column('sha256').execute();

  // No foreign key: a tombstone outlives its media row on purpose.
  await db.schema
    .createTable('media_tombstones')
    .addColumn('media_id', 'text', (column) => column.primaryKey())
    .addColumn('was_image', 'integer', (column) => column.notNull())
    .addColumn('visibility', 'text', (column) => column.notNull().check(sql`visibility in ('public', 'private')`))
    .addColumn('purged_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('media_fetch_counts')
    .addColumn('media_id', 'text', (column) => column.notNull())
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('media_fetch_counts_pk', ['media_id', 'day'])
    .execute();

  // Aliases keep answering after a purge (with 410), so they reference no media row.
  await db.schema
    .createTable('legacy_paths')
    .addColumn('prefix', 'text', (column) => column.notNull())
    .addColumn('path', 'text', (column) => column.notNull())
    .addColumn('media_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('legacy_paths_pk', ['prefix', 'path'])
    .execute();

  await db.schema
    .createTable('drupal_imports')
    .addColumn('drupal_uuid', 'text', (column) => column.primaryKey())
    .addColumn('fid', 'integer', (column) => column.notNull())
    .addColumn('uri', 'text', (column) => column.notNull())
    .addColumn('media_id', 'text', (column) => column.notNull())
    .addColumn('drupal_owner', 'text')
    .addColumn('imported_at', 'text', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['drupal_imports', 'legacy_paths', 'media_fetch_counts', 'media_tombstones', 'media_derived_blobs', 'media_versions']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('media').dropColumn('content_changed_at').execute();
  await db.schema.alterTable('media').dropColumn('version').execute();
}
