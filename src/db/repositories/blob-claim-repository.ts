import type { BlobClaimStore } from '../../storage/blob-claims.js';
import type { Database } from '../database.js';

/** Claims on blobs in blob_claims; each statement is atomic, so processes sharing the database take turns. */
export class BlobClaimRepository implements BlobClaimStore {
  constructor(private readonly db: Database) {}

  /**
   * Claims a blob for `holder` unless another holder's claim is still valid at `now`. Returns whether the
   * claim was taken; an expired claim is taken over.
   */
  async tryClaim(sha256: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
    const result = await this.db
      .insertInto('blob_claims')
      .values({ sha256, holder, expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict
          .column('sha256')
          .doUpdateSet({ holder, expires_at: expiresAt })
          .where('blob_claims.expires_at', '<=', now),
      )
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows !== undefined && result.numInsertedOrUpdatedRows > 0n;
  }

  /** Releases the claims that `holder` took; a claim taken over after it expired stays with its new holder. */
  async release(sha256s: readonly string[], holder: string): Promise<void> {
    if (sha256s.length === 0) return;
    await this.db.deleteFrom('blob_claims').where('holder', '=', holder).where('sha256', 'in', [...sha256s]).execute();
  }
}
