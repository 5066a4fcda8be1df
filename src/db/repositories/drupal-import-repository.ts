import type { Database } from '../database.js';
import type { MediaDerivedBlobRow, MediaRow } from '../schema.js';

export interface DrupalImportRecord {
  readonly drupalUuid: string;
  readonly fid: number;
  readonly uri: string;
  readonly drupalOwner: string | null;
}

/** A URL path that keeps serving an imported media. */
export interface LegacyPath {
  readonly prefix: string;
  readonly path: string;
}

export class DrupalImportRepository {
  constructor(private readonly db: Database) {}

  /** Finds the media imported from a Drupal file, whether it still exists or was purged since. */
  async findImported(drupalUuid: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('drupal_imports').select('media_id').where('drupal_uuid', '=', drupalUuid).executeTakeFirst();
    return row?.media_id;
  }

  /**
   * Records an imported file in one transaction: the media, its derived blobs, the import record and its
   * legacy path. The blobs must be stored already. Returns false, writing nothing, when another import run
   * recorded the same Drupal file meanwhile.
   */
  async recordImport(
    media: MediaRow,
    derived: readonly MediaDerivedBlobRow[],
    record: DrupalImportRecord,
    legacyPath: LegacyPath | null,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('drupal_imports').select('media_id').where('drupal_uuid', '=', record.drupalUuid).executeTakeFirst();
      if (existing !== undefined) return false;

      await trx.insertInto('media').values(media).execute();
      if (derived.length > 0) await trx.insertInto('media_derived_blobs').values([...derived]).execute();
      await trx
        .insertInto('drupal_imports')
        .values({
          drupal_uuid: record.drupalUuid,
          fid: record.fid,
          uri: record.uri,
          media_id: media.id,
          drupal_owner: record.drupalOwner,
          imported_at: media.updated_at,
        })
        .execute();
      if (legacyPath !== null) {
        await trx
          .insertInto('legacy_paths')
          .values({ prefix: legacyPath.prefix, path: legacyPath.path, media_id: media.id, created_at: media.updated_at })
          .onConflict((conflict) => conflict.columns(['prefix', 'path']).doNothing())
          .execute();
      }
      return true;
    });
  }
}
