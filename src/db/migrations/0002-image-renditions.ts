import type { Kysely } from 'kysely';

const RENDITION_COLUMNS = [
  ['rendition_sha256', 'text'],
  ['rendition_mime', 'text'],
  ['rendition_size', 'bigint'],
  ['rendition_width', 'integer'],
  ['rendition_height', 'integer'],
  ['thumbnail_sha256', 'text'],
  ['thumbnail_mime', 'text'],
] as const;

/**
 * Public renditions and thumbnails of images, read with the media row on every public request, and the
 * choice to publish the original. Their blobs, and those of variants, are listed in media_derived_blobs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, type] of RENDITION_COLUMNS) {
    await db.schema.alterTable('media').addColumn(name, type).execute();
  }
  await db.schema
    .alterTable('media')
    .addColumn('publish_original', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('media').dropColumn('publish_original').execute();
  for (const [name] of [...RENDITION_COLUMNS].reverse()) {
    await db.schema.alterTable('media').dropColumn(name).execute();
  }
}
