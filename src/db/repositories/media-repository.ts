import { sql } from 'kysely';

import type { Database } from '../database.js';
import type { MediaRow, MediaUpdate, NewMediaRow } from '../schema.js';

/** Position after which a page of the listing starts: the last row of the previous page. */
export interface MediaCursor {
  /** The last row's value of the sort column. */
  readonly value: string | number;
  readonly id: string;
}

/** Orders of the listing; each breaks ties by id, so pages never skip nor repeat a row. */
export const MEDIA_SORTS = ['newest', 'oldest', 'name', 'largest'] as const;
export type MediaSort = (typeof MEDIA_SORTS)[number];

/** Families of media that the listing filters on: images, PDF documents, and everything else. */
export const MEDIA_KINDS = ['image', 'pdf', 'other'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export interface FolderCount {
  readonly folder: string;
  readonly count: number;
}

const SORT_COLUMNS = {
  newest: { column: 'created_at', direction: 'desc' },
  oldest: { column: 'created_at', direction: 'asc' },
  name: { column: 'name_folded', direction: 'asc' },
  largest: { column: 'size', direction: 'desc' },
} as const satisfies Record<MediaSort, { column: string; direction: 'asc' | 'desc' }>;

export interface MediaListQuery {
  /** true lists the trash, false the library. */
  readonly trashed: boolean;
  /** Folded text that the folded name must contain. */
  readonly nameContains?: string;
  readonly folder?: string;
  readonly kind?: MediaKind;
  readonly sort?: MediaSort;
  readonly limit: number;
  readonly after?: MediaCursor;
}

/** Trigram search looks up sequences of three characters, so shorter searches scan the names instead. */
const MIN_INDEXED_SEARCH_LENGTH = 3;
/**
 * Below this many matching names, a search reads its hits through the index and sorts them; from it on,
 * walking the listing in order finds a page of matches sooner. Measured with 100,000 rows by
 * bench/listing-bench.ts: a frequent word takes about 80 ms the first way and 2 ms the second.
 */
const FEW_HITS = 1000;

export class MediaRepository {
  constructor(private readonly db: Database) {}

  async insert(row: NewMediaRow): Promise<void> {
    await this.db.insertInto('media').values(row).execute();
  }

  async findById(id: string): Promise<MediaRow | undefined> {
    return this.db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Lists media in the requested order (newest first by default), with the id as tie-breaker. */
  async list(query: MediaListQuery): Promise<MediaRow[]> {
    // Names never contain control characters, and SQLite's LIKE and FTS5 both stop reading a pattern at a
    // NUL, so control characters are dropped from the search as they are from names.
    const search = (query.nameContains ?? '').replace(/\p{Cc}/gu, '');
    const phrase = [...search].length >= MIN_INDEXED_SEARCH_LENGTH ? `"${search.replaceAll('"', '""')}"` : null;
    const fewHits = phrase !== null && (await this.countSearchHits(phrase, FEW_HITS)) < FEW_HITS;

    let select = this.db.selectFrom('media').selectAll();
    if (fewHits) {
      // The unary + keeps SQLite from walking a listing index in order: the few hits are fetched by rowid
      // and sorted, instead of checking every row of the library against them.
      select = select.where(query.trashed ? sql<boolean>`+trashed_at is not null` : sql<boolean>`+trashed_at is null`);
    } else {
      select = select.where('trashed_at', query.trashed ? 'is not' : 'is', null);
    }
    if (search !== '') {
      const pattern = `%${escapeLike(search)}%`;
      select = select.where(sql<boolean>`name_folded like ${pattern} escape '\\'`);
    }
    if (query.folder !== undefined) select = select.where('folder', '=', query.folder);
    if (query.kind === 'image') select = select.where('mime', 'like', 'image/%');
    if (query.kind === 'pdf') select = select.where('mime', '=', 'application/pdf');
    if (query.kind === 'other') {
      select = select.where('mime', 'not like', 'image/%').where('mime', '!=', 'application/pdf');
    }
    const { column, direction } = SORT_COLUMNS[query.sort ?? 'newest'];
    const comparison = direction === 'desc' ? '<' : '>';
    if (phrase !== null) {
      select = select.where(sql<boolean>`media.rowid in (select rowid from media_search where media_search match ${phrase})`);
    }
    const after = query.after;
    if (after !== undefined) {
      select = select.where((eb) =>
        eb.or([
          eb(column, comparison, after.value),
          eb.and([eb(column, '=', after.value), eb('id', comparison, after.id)]),
        ]),
      );
    }
    return select.orderBy(column, direction).orderBy('id', direction).limit(query.limit).execute();
  }

  /** Yields every media readable by anyone (public, not trashed), a page at a time, in id order. */
  async *iteratePublic(pageSize = 1000): AsyncIterable<MediaRow> {
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('media')
        .selectAll()
        .where('visibility', '=', 'public')
        .where('trashed_at', 'is', null)
        .where('id', '>', after)
        .orderBy('id')
        .limit(pageSize)
        .execute();
      yield* rows;
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) return;
      after = last.id;
    }
  }

  /** Counts names containing an FTS5 phrase, stopping at `max`. */
  private async countSearchHits(phrase: string, max: number): Promise<number> {
    const { rows } = await sql<{ hits: number }>`
      select count(*) as hits from (select rowid from media_search where media_search match ${phrase} limit ${max})
    `.execute(this.db);
    return Number(rows[0]?.hits ?? 0);
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

  /** Finds a media of the library, not in the trash, with exactly these bytes. */
  async findLiveBySha256(sha256: string): Promise<MediaRow | undefined> {
    return this.db
      .selectFrom('media')
      .selectAll()
      .where('sha256', '=', sha256)
      .where('trashed_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirst();
  }

  /** Counts the media of the library, not in the trash, in each folder; '' gathers those in no folder. */
  async countByFolder(): Promise<FolderCount[]> {
    const rows = await this.db
      .selectFrom('media')
      .select(['folder', (eb) => eb.fn.countAll<number>().as('count')])
      .where('trashed_at', 'is', null)
      .groupBy('folder')
      .orderBy('folder')
      .execute();
    return rows.map((row) => ({ folder: row.folder, count: Number(row.count) }));
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
