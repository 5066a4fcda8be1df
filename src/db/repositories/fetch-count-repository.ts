import { sql } from 'kysely';

import type { Database } from '../database.js';

export interface FetchCountDelta {
  readonly mediaId: string;
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly count: number;
}

export class FetchCountRepository {
  constructor(private readonly db: Database) {}

  /** Adds counts to their days in one transaction; rows of purged media are skipped. */
  async add(deltas: readonly FetchCountDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const delta of deltas) {
        await trx
          .insertInto('media_fetch_counts')
          .columns(['media_id', 'day', 'count'])
          .expression((eb) =>
            eb
              .selectFrom('media')
              .select([eb.val(delta.mediaId).as('media_id'), eb.val(delta.day).as('day'), eb.val(delta.count).as('count')])
              .where('id', '=', delta.mediaId),
          )
          .onConflict((conflict) =>
            conflict.columns(['media_id', 'day']).doUpdateSet({ count: sql<number>`media_fetch_counts.count + excluded.count` }),
          )
          .execute();
      }
    });
  }

  /** Sum of the fetches of a media from `firstDay` (YYYY-MM-DD, included) on. */
  async sumSince(mediaId: string, firstDay: string): Promise<number> {
    const row = await this.db
      .selectFrom('media_fetch_counts')
      .select((eb) => eb.fn.sum<number | null>('count').as('total'))
      .where('media_id', '=', mediaId)
      .where('day', '>=', firstDay)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }
}
