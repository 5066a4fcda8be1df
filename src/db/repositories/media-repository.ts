import { sql } from 'kysely';

import type { Database } from '../database.js';
import type { MediaRow, MediaUpdate, NewMediaRow } from '../schema.js';

/** Position after which a page of the listing starts: the last row of the previous page. */
export interface MediaCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface MediaListQuery {
  /** true lists the trash, false the library. */
  readonly trashed: boolean;
  /** Folded text that the folded name must contain. */
  readonly nameContains?: string;
  readonly limit: number;
  readonly after?: MediaCursor;
}

export class MediaRepository {
  constructor(private readonly db: Database) {}

  async insert(row: NewMediaRow): Promise<void> {
    await this.db.insertInto('media').values(row).execute();
  }

  async findById(id: string): Promise<MediaRow | undefined> {
    return this.db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Lists media newest first, with the id as tie-breaker so pages never skip nor repeat a row. */
  async list(query: MediaListQuery): Promise<MediaRow[]> {
    let select = this.db
      .selectFrom('media')
      .selectAll()
      .where('trashed_at', query.trashed ? 'is not' : 'is', null);
    if (query.nameContains !== undefined && query.nameContains !== '') {
      const pattern = `%${escapeLike(query.nameContains)}%`;
      select = select.where(sql<boolean>`name_folded like ${pattern} escape '\\'`);
    }
    const after = query.after;
    if (after !== undefined) {
      select = select.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  }

  async update(id: string, changes: MediaUpdate): Promise<MediaRow | undefined> {
    await this.db.updateTable('media').set(changes).where('id', '=', id).execute();
    return this.findById(id);
  }

  /** Finds a public, untrashed media with these bytes, the oldest first, so a re-import reuses one URL. */
  async findPublicBySha256(sha256: string): Promise<MediaRow | undefined> {
    return this.db
      .selectFrom('media')
      .selectAll()
      .where('sha256', '=', sha256)
      .where('visibility', '=', 'public')
      .where('trashed_at', 'is', null)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .executeTakeFirst();
  }

  async countWithSha256(sha256: string): Promise<number> {
    const row = await this.db
      .selectFrom('media')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('sha256', '=', sha256)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}

/** Escapes LIKE wildcards; the query uses a backslash as the ESCAPE character. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
