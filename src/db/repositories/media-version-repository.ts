import type { Database } from '../database.js';
import type { MediaDerivedBlobRow, MediaRow, MediaTable, MediaVersionRow } from '../schema.js';

export interface ReplacedContent {
  readonly media: MediaRow;
  /** Blobs derived from the replaced content, whose rows were deleted; their bytes may now be unreferenced. */
  readonly droppedDerivedBlobs: readonly string[];
}

/** The content that takes the place of a media's current one, with its image rendition columns if any. */
export interface NewContent
  extends Partial<
    Pick<MediaTable, 'rendition_sha256' | 'rendition_mime' | 'rendition_size' | 'rendition_width' | 'rendition_height' | 'thumbnail_sha256' | 'thumbnail_mime'>
  > {
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly sha256: string;
  readonly width: number | null;
  readonly height: number | null;
}

export class MediaVersionRepository {
  constructor(private readonly db: Database) {}

  /**
   * Keeps the current content of a media as a version, then makes `content` current, in one transaction.
   * Blobs derived from the replaced content (renditions, variants, Drupal styles) no longer describe the
   * media, so their rows are deleted in the same transaction. Returns undefined when the media does not exist or when another replacement got there first (its
   * version is no longer `expectedVersion`), so no content is ever lost between two writers.
   */
  async replaceContent(
    mediaId: string,
    expectedVersion: number,
    content: NewContent,
    replacedBy: string | null,
    now: string,
    newDerived: readonly MediaDerivedBlobRow[] = [],
  ): Promise<ReplacedContent | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('media').selectAll().where('id', '=', mediaId).executeTakeFirst();
      if (current === undefined || current.version !== expectedVersion) return undefined;

      await trx
        .insertInto('media_versions')
        .values({
          media_id: mediaId,
          version: current.version,
          name: current.name,
          mime: current.mime,
          size: current.size,
          sha256: current.sha256,
          width: current.width,
          height: current.height,
          stored_at: current.content_changed_at ?? current.created_at,
          replaced_at: now,
          replaced_by: replacedBy,
        })
        .execute();
      await trx
        .updateTable('media')
        .set({ ...content, version: current.version + 1, content_changed_at: now, updated_at: now })
        .where('id', '=', mediaId)
        .execute();
      const derived = await trx.selectFrom('media_derived_blobs').select('sha256').where('media_id', '=', mediaId).execute();
      await trx.deleteFrom('media_derived_blobs').where('media_id', '=', mediaId).execute();
      // The rendition and thumbnail of the new content, made before the transaction.
      if (newDerived.length > 0) await trx.insertInto('media_derived_blobs').values([...newDerived]).execute();
      const media = await trx.selectFrom('media').selectAll().where('id', '=', mediaId).executeTakeFirstOrThrow();
      return { media, droppedDerivedBlobs: derived.map((row) => row.sha256) };
    });
  }

  /** Earlier versions of a media, newest first. */
  async list(mediaId: string): Promise<MediaVersionRow[]> {
    return this.db.selectFrom('media_versions').selectAll().where('media_id', '=', mediaId).orderBy('version', 'desc').execute();
  }

  async find(mediaId: string, version: number): Promise<MediaVersionRow | undefined> {
    return this.db
      .selectFrom('media_versions')
      .selectAll()
      .where('media_id', '=', mediaId)
      .where('version', '=', version)
      .executeTakeFirst();
  }
}
