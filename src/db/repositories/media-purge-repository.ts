import type { Database } from '../database.js';
import type { MediaRow, MediaTombstoneRow } from '../schema.js';

/**
 * Removal of a media for good, and the tombstone that stays. Every table that references a blob of a media is
 * queried in blobsOf and isBlobReferenced, so a purge leaves no bytes of that media behind and never removes
 * bytes that another media still uses.
 */
export class MediaPurgeRepository {
  constructor(private readonly db: Database) {}

  /** Lists the blobs of a media: its current content, its earlier versions and its derived blobs. */
  async blobsOf(mediaId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('media')
      .select('sha256')
      .where('id', '=', mediaId)
      .union(this.db.selectFrom('media_versions').select('sha256').where('media_id', '=', mediaId))
      .union(this.db.selectFrom('media_derived_blobs').select('sha256').where('media_id', '=', mediaId))
      .execute();
    return rows.map((row) => row.sha256);
  }

  async isBlobReferenced(sha256: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('media')
      .select('id')
      .where('sha256', '=', sha256)
      .union(this.db.selectFrom('media_versions').select('media_id as id').where('sha256', '=', sha256))
      .union(this.db.selectFrom('media_derived_blobs').select('media_id as id').where('sha256', '=', sha256))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Deletes the media with its versions, derived blobs and fetch counts, and writes its tombstone, in one
   * transaction. Legacy paths and Drupal import records stay: the old URL then returns 410, and a new
   * import run does not bring the file back.
   */
  async purge(media: MediaRow, purgedAt: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('media_derived_blobs').where('media_id', '=', media.id).execute();
      await trx.deleteFrom('media_versions').where('media_id', '=', media.id).execute();
      await trx.deleteFrom('media_fetch_counts').where('media_id', '=', media.id).execute();
      await trx.deleteFrom('media').where('id', '=', media.id).execute();
      await trx
        .insertInto('media_tombstones')
        .values({
          media_id: media.id,
          was_image: media.mime.startsWith('image/') ? 1 : 0,
          visibility: media.visibility,
          purged_at: purgedAt,
        })
        .onConflict((conflict) => conflict.column('media_id').doNothing())
        .execute();
    });
  }

  async findTombstone(mediaId: string): Promise<MediaTombstoneRow | undefined> {
    return this.db.selectFrom('media_tombstones').selectAll().where('media_id', '=', mediaId).executeTakeFirst();
  }

  /** Ids of media moved to the trash at or before `cutoff` (ISO 8601), oldest first. */
  async listTrashedBefore(cutoff: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('media')
      .select('id')
      .where('trashed_at', 'is not', null)
      .where('trashed_at', '<=', cutoff)
      .orderBy('trashed_at')
      .execute();
    return rows.map((row) => row.id);
  }
}
