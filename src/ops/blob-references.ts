import { sql } from 'kysely';

import type { Database } from '../db/database.js';

/**
 * A table whose rows name blobs by their SHA-256. Every table that points at the blob store gets one line
 * in BLOB_REFERENCE_SOURCES, so backup, restore, the integrity check and its repair agree on which blobs
 * are in use: a blob no source lists is an orphan that `check --repair` deletes.
 */
export interface BlobReferenceSource {
  readonly table: string;
  /** Column that identifies a row in reports. */
  readonly idColumn: string;
  readonly sha256Column: string;
  /** Column with the blob's expected size in bytes, or null when the table does not record it. */
  readonly sizeColumn: string | null;
}

export const BLOB_REFERENCE_SOURCES: readonly BlobReferenceSource[] = [
  { table: 'media', idColumn: 'id', sha256Column: 'sha256', sizeColumn: 'size' },
  { table: 'media_versions', idColumn: 'media_id', sha256Column: 'sha256', sizeColumn: 'size' },
  { table: 'media_derived_blobs', idColumn: 'media_id', sha256Column: 'sha256', sizeColumn: 'size' },
  // Also listed in media_derived_blobs, but written in a second statement after the media row at upload.
  { table: 'media', idColumn: 'id', sha256Column: 'rendition_sha256', sizeColumn: 'rendition_size' },
  { table: 'media', idColumn: 'id', sha256Column: 'thumbnail_sha256', sizeColumn: null },
];

/** A blob that at least one row references, with the rows that do. */
export interface ReferencedBlob {
  readonly sha256: string;
  /** Size recorded by the first row that records one, in bytes; null when no row does. */
  readonly size: number | null;
  /** Each row once, even when it names the blob in several columns (a media whose rendition is its original). */
  readonly rows: readonly RowReference[];
}

export interface RowReference {
  readonly table: string;
  readonly id: string;
}

interface ReferenceRow {
  id: string;
  sha256: string;
  size: number | null;
}

/** Lists every referenced blob, keyed by SHA-256. */
export async function listReferencedBlobs(
  db: Database,
  sources: readonly BlobReferenceSource[] = BLOB_REFERENCE_SOURCES,
): Promise<Map<string, ReferencedBlob>> {
  const blobs = new Map<string, { sha256: string; size: number | null; rows: RowReference[] }>();
  // Keys "<sha256> <table> <id>" of the rows already listed.
  const listed = new Set<string>();
  for (const source of sources) {
    const sizeExpression = source.sizeColumn === null ? sql`null` : sql.ref(source.sizeColumn);
    const result = await sql<ReferenceRow>`
      select ${sql.ref(source.idColumn)} as id, ${sql.ref(source.sha256Column)} as sha256, ${sizeExpression} as size
      from ${sql.table(source.table)}
      where ${sql.ref(source.sha256Column)} is not null`.execute(db);
    for (const row of result.rows) {
      const size = row.size === null ? null : Number(row.size);
      const entry = blobs.get(row.sha256) ?? { sha256: row.sha256, size: null, rows: [] };
      if (entry.size === null) entry.size = size;
      const id = String(row.id);
      const key = `${row.sha256} ${source.table} ${id}`;
      if (!listed.has(key)) {
        listed.add(key);
        entry.rows.push({ table: source.table, id });
      }
      blobs.set(row.sha256, entry);
    }
  }
  return blobs;
}

/** Checks whether any row references a blob now, so that repair can check again just before it deletes one. */
export async function isBlobReferenced(
  db: Database,
  sha256: string,
  sources: readonly BlobReferenceSource[] = BLOB_REFERENCE_SOURCES,
): Promise<boolean> {
  for (const source of sources) {
    const result = await sql<{ found: number }>`
      select 1 as found from ${sql.table(source.table)} where ${sql.ref(source.sha256Column)} = ${sha256} limit 1`.execute(db);
    if (result.rows.length > 0) return true;
  }
  return false;
}
