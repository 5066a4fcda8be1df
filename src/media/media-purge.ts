import type { Logger } from 'pino';

import type { MediaPurgeRepository } from '../db/repositories/media-purge-repository.js';
import type { MediaRow } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface PurgeResult {
  readonly mediaId: string;
  /** Blobs deleted from the store, each no longer used by any media. */
  readonly blobsDeleted: number;
}

/**
 * Purges media: rows first, in one transaction that leaves a tombstone, then the blobs that no media
 * references any more. A crash between the two leaves unreferenced blobs, never a row without its bytes.
 */
export class MediaPurge {
  constructor(
    private readonly repository: MediaPurgeRepository,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
  ) {}

  async purge(media: MediaRow, purgedAt: Date): Promise<PurgeResult> {
    const blobs = await this.repository.blobsOf(media.id);
    await this.repository.purge(media, purgedAt.toISOString());

    const blobsDeleted = await this.deleteUnreferencedBlobs(blobs);
    this.logger.info({ mediaId: media.id, blobsDeleted }, 'media purged');
    return { mediaId: media.id, blobsDeleted };
  }

  /** Deletes those of `blobs` that no media references any more; returns how many were deleted. */
  async deleteUnreferencedBlobs(blobs: readonly string[]): Promise<number> {
    let blobsDeleted = 0;
    for (const sha256 of new Set(blobs)) {
      // NOTE: a concurrent upload of the same bytes can store its blob before this check and commit its row
      // after it. That media then lacks its blob, which an integrity check reports. A blob lease would close the gap.
      if (await this.repository.isBlobReferenced(sha256)) continue;
      await this.blobs.delete(sha256);
      blobsDeleted += 1;
    }
    return blobsDeleted;
  }

  /** Ids of the media in the trash since `cutoff` or earlier. */
  async listExpired(cutoff: Date): Promise<string[]> {
    return this.repository.listTrashedBefore(cutoff.toISOString());
  }
}
