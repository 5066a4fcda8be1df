import type { Database } from '../database.js';
import type { MediaDerivedBlobRow } from '../schema.js';

/**
 * Renditions, thumbnails and variants of images in media_derived_blobs, where purges and content
 * replacements find every blob made from a media.
 */
export class DerivedBlobRepository {
  constructor(private readonly db: Database) {}

  async findVariant(mediaId: string, key: string): Promise<MediaDerivedBlobRow | undefined> {
    return this.db
      .selectFrom('media_derived_blobs')
      .selectAll()
      .where('media_id', '=', mediaId)
      .where('kind', '=', 'variant')
      .where('key', '=', key)
      .executeTakeFirst();
  }

  async countVariants(mediaId: string): Promise<number> {
    const row = await this.db
      .selectFrom('media_derived_blobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('media_id', '=', mediaId)
      .where('kind', '=', 'variant')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Records derived blobs; a row already there for the same media, kind and key, made concurrently, wins. */
  async insert(rows: readonly MediaDerivedBlobRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('media_derived_blobs')
      .values([...rows])
      .onConflict((conflict) => conflict.columns(['media_id', 'kind', 'key']).doNothing())
      .execute();
  }
}
