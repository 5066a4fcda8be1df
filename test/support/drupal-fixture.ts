import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import sharp from 'sharp';

import { MINIMAL_PDF } from './uploads.js';

/** A Drupal site on disk: its public and private files directories, with the database in the public one. */
export interface DrupalFixture {
  readonly filesDir: string;
  readonly privateDir: string;
  readonly databasePath: string;
  /** Content of the files on disk, by Drupal path, to compare served bytes with. */
  readonly contents: ReadonlyMap<string, Buffer>;
  /** Content of the style derivatives on disk, by path under `styles/`. */
  readonly derivatives: ReadonlyMap<string, Buffer>;
}

export const ACCENTED_PATH = '2023-06/Fête paroissiale été.jpg';

/**
 * Drupal's schema for these tables as its SQLite driver writes it: text columns carry COLLATE NOCASE_UTF8,
 * except uri, which Drupal declares binary.
 */
const DRUPAL_TABLES = {
  file_managed: `CREATE TABLE file_managed (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, uuid VARCHAR(128) NOT NULL COLLATE NOCASE_UTF8,
    langcode VARCHAR(12) NOT NULL COLLATE NOCASE_UTF8, uid INTEGER NULL DEFAULT NULL,
    filename VARCHAR(255) NULL DEFAULT NULL COLLATE NOCASE_UTF8, uri VARCHAR(255) NOT NULL,
    filemime VARCHAR(255) NULL DEFAULT NULL COLLATE NOCASE_UTF8, filesize INTEGER NULL DEFAULT NULL,
    status INTEGER NOT NULL, created INTEGER NULL DEFAULT NULL, changed INTEGER NOT NULL)`,
  file_usage: `CREATE TABLE file_usage (
    fid INTEGER NOT NULL, module VARCHAR(50) NOT NULL DEFAULT '' COLLATE NOCASE_UTF8,
    type VARCHAR(64) NOT NULL DEFAULT '' COLLATE NOCASE_UTF8, id VARCHAR(64) NOT NULL DEFAULT '0' COLLATE NOCASE_UTF8,
    count INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (fid, type, id, module))`,
  users_field_data: `CREATE TABLE users_field_data (
    uid INTEGER NOT NULL, langcode VARCHAR(12) NOT NULL COLLATE NOCASE_UTF8,
    name VARCHAR(60) NOT NULL COLLATE NOCASE_UTF8, mail VARCHAR(254) NULL DEFAULT NULL COLLATE NOCASE_UTF8,
    status INTEGER NULL, created INTEGER NOT NULL, default_langcode INTEGER NOT NULL, PRIMARY KEY (uid, langcode))`,
  media_field_data: `CREATE TABLE media_field_data (
    mid INTEGER NOT NULL, vid INTEGER NOT NULL, bundle VARCHAR(32) NOT NULL COLLATE NOCASE_UTF8,
    langcode VARCHAR(12) NOT NULL COLLATE NOCASE_UTF8, status INTEGER NOT NULL, uid INTEGER NULL,
    name VARCHAR(255) NULL DEFAULT NULL COLLATE NOCASE_UTF8, created INTEGER NULL, changed INTEGER NULL,
    default_langcode INTEGER NOT NULL, PRIMARY KEY (mid, langcode))`,
  media__field_media_image: `CREATE TABLE media__field_media_image (
    bundle VARCHAR(128) NOT NULL DEFAULT '' COLLATE NOCASE_UTF8, deleted INTEGER NOT NULL DEFAULT 0,
    entity_id INTEGER NOT NULL, revision_id INTEGER NOT NULL, langcode VARCHAR(32) NOT NULL DEFAULT '' COLLATE NOCASE_UTF8,
    delta INTEGER NOT NULL, field_media_image_target_id INTEGER NOT NULL,
    field_media_image_alt VARCHAR(512) NULL DEFAULT NULL COLLATE NOCASE_UTF8,
    field_media_image_title VARCHAR(1024) NULL DEFAULT NULL COLLATE NOCASE_UTF8,
    field_media_image_width INTEGER NULL, field_media_image_height INTEGER NULL,
    PRIMARY KEY (entity_id, deleted, delta, langcode))`,
  media__field_media_document: `CREATE TABLE media__field_media_document (
    bundle VARCHAR(128) NOT NULL DEFAULT '' COLLATE NOCASE_UTF8, deleted INTEGER NOT NULL DEFAULT 0,
    entity_id INTEGER NOT NULL, revision_id INTEGER NOT NULL, langcode VARCHAR(32) NOT NULL DEFAULT '' COLLATE NOCASE_UTF8,
    delta INTEGER NOT NULL, field_media_document_target_id INTEGER NOT NULL,
    field_media_document_display INTEGER NULL, field_media_document_description TEXT NULL COLLATE NOCASE_UTF8,
    PRIMARY KEY (entity_id, deleted, delta, langcode))`,
};

/** One file_managed row of the fixture, with what the import must do with it. */
export interface FixtureRow {
  readonly fid: number;
  readonly uuid: string;
  readonly uid: number;
  readonly filename: string;
  readonly uri: string;
  readonly status: number;
  readonly created: number | null;
  readonly changed: number;
}

export const FIXTURE_ROWS: readonly FixtureRow[] = [
  { fid: 1, uuid: 'aaaaaaaa-0000-4000-8000-000000000001', uid: 2, filename: 'affiche.jpg', uri: 'public://2022-11/affiche.jpg', status: 1, created: 1668000000, changed: 1668000100 },
  { fid: 2, uuid: 'aaaaaaaa-0000-4000-8000-000000000002', uid: 3, filename: 'Fête paroissiale été.jpg', uri: `public://${ACCENTED_PATH}`, status: 1, created: null, changed: 1686000000 },
  { fid: 3, uuid: 'aaaaaaaa-0000-4000-8000-000000000003', uid: 2, filename: 'bulletin.pdf', uri: 'public://documents/bulletin.pdf', status: 1, created: 1690000000, changed: 1690000000 },
  { fid: 4, uuid: 'aaaaaaaa-0000-4000-8000-000000000004', uid: 2, filename: 'brouillon.png', uri: 'public://2024-01/brouillon.png', status: 0, created: 1704000000, changed: 1704000000 },
  { fid: 5, uuid: 'aaaaaaaa-0000-4000-8000-000000000005', uid: 3, filename: 'liste.pdf', uri: 'private://confidentiel/liste.pdf', status: 1, created: 1695000000, changed: 1695000000 },
  { fid: 6, uuid: 'aaaaaaaa-0000-4000-8000-000000000006', uid: 2, filename: 'disparue.jpg', uri: 'public://2021-03/disparue.jpg', status: 1, created: 1615000000, changed: 1615000000 },
  { fid: 7, uuid: 'aaaaaaaa-0000-4000-8000-000000000007', uid: 2, filename: 'video.mp4', uri: 'youtube://v/abc', status: 1, created: 1700000000, changed: 1700000000 },
  { fid: 8, uuid: 'aaaaaaaa-0000-4000-8000-000000000008', uid: 1, filename: '.ht.sqlite', uri: 'public://.ht.sqlite', status: 1, created: 1600000000, changed: 1600000000 },
  { fid: 9, uuid: 'aaaaaaaa-0000-4000-8000-000000000009', uid: 1, filename: 'passwd', uri: 'public://../../etc/passwd', status: 1, created: 1600000000, changed: 1600000000 },
  { fid: 10, uuid: 'aaaaaaaa-0000-4000-8000-000000000010', uid: 2, filename: 'page.html', uri: 'public://2022-11/page.html', status: 1, created: 1668000000, changed: 1668000000 },
];

/** Builds a Drupal site in `root`: files on disk, then `.ht.sqlite` inside the public files directory. */
export async function buildDrupalFixture(root: string): Promise<DrupalFixture> {
  const filesDir = path.join(root, 'files');
  const privateDir = path.join(root, 'private');
  const contents = new Map<string, Buffer>();
  const derivatives = new Map<string, Buffer>();

  const put = async (directory: string, relative: string, content: Buffer, onDisk = relative): Promise<void> => {
    await mkdir(path.dirname(path.join(directory, onDisk)), { recursive: true });
    await writeFile(path.join(directory, onDisk), content);
  };
  const jpeg = (colour: string, width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer();

  const poster = await jpeg('#aa3355', 64, 48);
  contents.set('2022-11/affiche.jpg', poster);
  await put(filesDir, '2022-11/affiche.jpg', poster);
  // Drupal writes style derivatives beside the files: one in the original format, one converted to WebP.
  const medium = await jpeg('#aa3355', 32, 24);
  derivatives.set('medium/public/2022-11/affiche.jpg', medium);
  await put(filesDir, 'styles/medium/public/2022-11/affiche.jpg', medium);
  const largeWebp = await sharp({ create: { width: 48, height: 36, channels: 3, background: '#aa3355' } }).webp().toBuffer();
  derivatives.set('large/public/2022-11/affiche.jpg.webp', largeWebp);
  await put(filesDir, 'styles/large/public/2022-11/affiche.jpg.webp', largeWebp);

  const party = await jpeg('#33aa55', 40, 30);
  contents.set(ACCENTED_PATH, party);
  // Stored with a decomposed name, as after a copy from a Mac, while the database has the composed one.
  await put(filesDir, ACCENTED_PATH, party, ACCENTED_PATH.normalize('NFD'));

  const bulletin = Buffer.from(`${MINIMAL_PDF}% bulletin paroissial\n`);
  contents.set('documents/bulletin.pdf', bulletin);
  await put(filesDir, 'documents/bulletin.pdf', bulletin);

  const draft = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000000' } }).png().toBuffer();
  await put(filesDir, '2024-01/brouillon.png', draft);

  const list = Buffer.from(`${MINIMAL_PDF}% liste confidentielle\n`);
  contents.set('confidentiel/liste.pdf', list);
  await put(privateDir, 'confidentiel/liste.pdf', list);

  await put(filesDir, '2022-11/page.html', Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'));
  await put(filesDir, '.htaccess', Buffer.from('Deny from all\n'));

  const databasePath = path.join(filesDir, '.ht.sqlite');
  writeDrupalDatabase(databasePath);
  return { filesDir, privateDir, databasePath, contents, derivatives };
}

/**
 * Writes the database with plain column types, then swaps in Drupal's own CREATE TABLE statements through
 * writable_schema. better-sqlite3 cannot register a collation, and SQLite refuses a CREATE TABLE naming an
 * unknown one, so this is how the file gets columns declared COLLATE NOCASE_UTF8 that no connection here
 * knows: exactly what the importer meets in a real Drupal database.
 */
function writeDrupalDatabase(databasePath: string): void {
  const db = new SqliteDatabase(databasePath);
  try {
    for (const statement of Object.values(DRUPAL_TABLES)) db.exec(statement.replaceAll(' COLLATE NOCASE_UTF8', ''));

    const insertFile = db.prepare(
      'INSERT INTO file_managed (fid, uuid, langcode, uid, filename, uri, filemime, filesize, status, created, changed) ' +
        "VALUES (@fid, @uuid, 'fr', @uid, @filename, @uri, 'application/octet-stream', 1, @status, @created, @changed)",
    );
    for (const row of FIXTURE_ROWS) insertFile.run(row);
    db.prepare("INSERT INTO file_usage VALUES (1, 'file', 'media', '1', 1), (3, 'file', 'media', '2', 1)").run();

    const insertUser = db.prepare('INSERT INTO users_field_data VALUES (?, ?, ?, ?, 1, 1600000000, ?)');
    insertUser.run(0, 'fr', '', null, 1);
    insertUser.run(1, 'fr', 'admin', 'webmaster@paroisse.example', 1);
    insertUser.run(2, 'fr', 'secretariat', 'Editor@Example.org', 1);
    insertUser.run(2, 'en', 'secretariat', 'Editor@Example.org', 0);
    insertUser.run(3, 'fr', 'jdupont', 'jean.dupont@paroisse.example', 1);

    db.prepare(
      "INSERT INTO media_field_data VALUES (1, 1, 'image', 'fr', 1, 2, 'Affiche kermesse', 1668000000, 1668000000, 1), " +
        "(2, 2, 'document', 'fr', 1, 2, 'Bulletin de juillet', 1690000000, 1690000000, 1)",
    ).run();
    db.prepare("INSERT INTO media__field_media_image VALUES ('image', 0, 1, 1, 'fr', 0, 1, 'Affiche de la kermesse 2022', '', 64, 48)").run();
    db.prepare("INSERT INTO media__field_media_document VALUES ('document', 0, 2, 2, 'fr', 0, 3, 1, '')").run();

    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
    const setSchema = db.prepare("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?");
    for (const [table, statement] of Object.entries(DRUPAL_TABLES)) setSchema.run(statement, table);
    db.pragma('writable_schema = OFF');
  } finally {
    db.close();
  }
}
