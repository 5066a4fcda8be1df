import SqliteDatabase from 'better-sqlite3';

import { VitrailError } from '../errors/catalogue.js';

/** A row of Drupal's file_managed table, as stored: Drupal does not guarantee any column is set. */
export interface DrupalFile {
  readonly fid: number;
  readonly uuid: string | null;
  readonly uid: number | null;
  readonly filename: string | null;
  readonly uri: string;
  readonly status: number;
  /** Unix seconds. */
  readonly created: number | null;
  readonly changed: number | null;
}

export interface DrupalUser {
  readonly name: string | null;
  readonly mail: string | null;
}

/** Name and alt text of a file from its media entity, when the site used Drupal's Media module. */
export interface DrupalMediaMetadata {
  readonly name: string | null;
  readonly alt: string | null;
}

/** Everything the import reads from a Drupal site's database. */
export interface DrupalSite {
  readonly files: readonly DrupalFile[];
  readonly users: ReadonlyMap<number, DrupalUser>;
  /** Media metadata by file id (fid). */
  readonly media: ReadonlyMap<number, DrupalMediaMetadata>;
}

/** Media fields that point at a file, with the column naming the file and the one holding its alt text. */
const MEDIA_FILE_FIELDS = [
  { table: 'media__field_media_image', target: 'field_media_image_target_id', alt: 'field_media_image_alt' },
  { table: 'media__field_media_document', target: 'field_media_document_target_id', alt: null },
] as const;

/**
 * Reads a Drupal SQLite database (`.ht.sqlite`) read-only.
 *
 * Drupal declares its text columns `COLLATE NOCASE_UTF8`, a collation that only Drupal's PHP driver
 * registers. SQLite fails any statement that compares or sorts such a column on a connection without it,
 * so every query here filters and sorts on integer columns only (fid, uid, mid, status, deleted) and does
 * the rest in JavaScript. Reading the column values needs no collation.
 */
export function readDrupalSite(databasePath: string): DrupalSite {
  try {
    return readOpenedSite(new SqliteDatabase(databasePath, { readonly: true, fileMustExist: true }), databasePath);
  } catch (error) {
    if (!(error instanceof SqliteDatabase.SqliteError)) throw error;
    throw new VitrailError(
      'VITRAIL_IMPORT_SOURCE_INVALID',
      { reason: `${databasePath} could not be read as a Drupal SQLite database (${error.message})` },
      { cause: error },
    );
  }
}

function readOpenedSite(connection: SqliteDatabase.Database, databasePath: string): DrupalSite {
  try {
    // Drupal may be writing meanwhile: wait for its lock instead of failing.
    connection.pragma('busy_timeout = 5000');
    const tables = new Set(
      connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all() as string[],
    );
    if (!tables.has('file_managed')) {
      throw new VitrailError('VITRAIL_IMPORT_SOURCE_INVALID', {
        reason: `${databasePath} has no file_managed table, so it is not the database of a Drupal 8 or later site`,
      });
    }

    const files = connection
      .prepare('SELECT fid, uuid, uid, filename, uri, status, created, changed FROM file_managed ORDER BY fid')
      .all() as DrupalFile[];
    return { files, users: readUsers(connection, tables), media: readMedia(connection, tables) };
  } finally {
    connection.close();
  }
}

function readUsers(connection: SqliteDatabase.Database, tables: ReadonlySet<string>): Map<number, DrupalUser> {
  const users = new Map<number, DrupalUser>();
  if (!tables.has('users_field_data')) return users;
  const rows = connection
    .prepare('SELECT uid, name, mail, default_langcode FROM users_field_data ORDER BY uid, default_langcode DESC')
    .all() as { uid: number; name: string | null; mail: string | null }[];
  // The default translation sorts first; later rows of the same user are other languages.
  for (const row of rows) if (!users.has(row.uid)) users.set(row.uid, { name: row.name, mail: row.mail });
  return users;
}

function readMedia(connection: SqliteDatabase.Database, tables: ReadonlySet<string>): Map<number, DrupalMediaMetadata> {
  const media = new Map<number, DrupalMediaMetadata>();
  if (!tables.has('media_field_data')) return media;
  const names = new Map<number, string | null>();
  const mediaRows = connection
    .prepare('SELECT mid, name, default_langcode FROM media_field_data ORDER BY mid, default_langcode DESC')
    .all() as { mid: number; name: string | null }[];
  for (const row of mediaRows) if (!names.has(row.mid)) names.set(row.mid, row.name);

  for (const field of MEDIA_FILE_FIELDS) {
    if (!tables.has(field.table)) continue;
    const altColumn = field.alt === null ? 'NULL' : field.alt;
    const rows = connection
      .prepare(
        `SELECT entity_id, ${field.target} AS fid, ${altColumn} AS alt FROM ${field.table} ` +
          'WHERE deleted = 0 ORDER BY entity_id, delta',
      )
      .all() as { entity_id: number; fid: number | null; alt: string | null }[];
    for (const row of rows) {
      if (row.fid === null || media.has(row.fid)) continue;
      media.set(row.fid, { name: names.get(row.entity_id) ?? null, alt: row.alt });
    }
  }
  return media;
}
