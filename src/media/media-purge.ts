import type { Logger } from 'pino';

import type { MediaPurgeRepository } from '../db/repositories/media-purge-repository.js';
import type { MediaRow } from '../db/schema.js';
import type { BlobClaims } from '../storage/blob-claims.js';
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
    private readonly claims: BlobClaims,
    private readonly logger: Logger,
  ) {}

  async purge(media: MediaRow, purgedAt: Date): Promise<PurgeResult> {
    const blobs = await this.repository.blobsOf(media.id);
    await this.repository.purge(media, purgedAt.toISOString());

    const blobsDeleted = await this.deleteUnreferencedBlobs(blobs);
    this.logger.info({ mediaId: media.id, blobsDeleted }, 'media purged');
    return { mediaId: media.id, blobsDeleted };
  }

  /**
   * Deletes those of `blobs` that no media references any more; returns how many were deleted. Each check
   * and delete takes the blob's claim, so an upload of the same bytes either commits its row before the
   * check, or stores the blob again after the delete.
   */
  async deleteUnreferencedBlobs(blobs: readonly string[]): Promise<number> {
    let blobsDeleted = 0;
    for (const sha256 of new Set(blobs)) {
      const outcome = await this.claims.deleteIfUnreferenced(
        sha256,
        () => this.repository.isBlobReferenced(sha256),
        () => this.blobs.delete(sha256),
      );
      if (outcome === 'deleted') blobsDeleted += 1;
      // The rows are gone already, so the blob stays as an orphan, which "vitrail check --repair" deletes.
      if (outcome === 'claimed') this.logger.warn({ sha256 }, 'unreferenced blob kept: its claim stayed taken');
    }
    return blobsDeleted;
  }

  /** Ids of the media in the trash since `cutoff` or earlier. */
  async listExpired(cutoff: Date): Promise<string[]> {
    return this.repository.listTrashedBefore(cutoff.toISOString());
  }
}
