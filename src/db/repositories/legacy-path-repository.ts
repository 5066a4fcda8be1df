import type { Database } from '../database.js';
import type { DerivedBlobKind, MediaDerivedBlobRow } from '../schema.js';

/** Lookups of the old URL paths that keep serving imported media. */
export class LegacyPathRepository {
  constructor(private readonly db: Database) {}

  async findMediaId(prefix: string, path: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('legacy_paths')
      .select('media_id')
      .where('prefix', '=', prefix)
      .where('path', '=', path)
      .executeTakeFirst();
    return row?.media_id;
  }

  /** Lists every prefix under which some legacy path is registered. */
  async listPrefixes(): Promise<string[]> {
    const rows = await this.db.selectFrom('legacy_paths').select('prefix').distinct().execute();
    return rows.map((row) => row.prefix);
  }

  async findDerivedBlob(mediaId: string, kind: DerivedBlobKind, key: string): Promise<MediaDerivedBlobRow | undefined> {
    return this.db
      .selectFrom('media_derived_blobs')
      .selectAll()
      .where('media_id', '=', mediaId)
      .where('kind', '=', kind)
      .where('key', '=', key)
      .executeTakeFirst();
  }
}
