import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import SqliteDatabase from 'better-sqlite3';
import sharp from 'sharp';

import type { DrupalImportReport, RowStatus } from '../../src/drupal/drupal-importer.js';
import { gonePlaceholderImage } from '../../src/serving/gone.js';
import { ACCENTED_PATH, buildDrupalFixture, FIXTURE_ROWS, type DrupalFixture } from '../support/drupal-fixture.js';
import { countMediaRows } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../../bin/vitrail.js', import.meta.url));

/** The outcome each fixture row must get, by fid. */
const EXPECTED_STATUS: Readonly<Record<number, RowStatus>> = {
  1: 'imported',
  2: 'imported',
  3: 'imported',
  4: 'skipped-temporary',
  5: 'imported',
  6: 'missing',
  7: 'skipped-scheme',
  8: 'skipped-forbidden-name',
  9: 'invalid-uri',
  10: 'rejected',
};

/** Percent-encodes every byte of a UTF-8 path except slashes and unreserved characters, as Drupal does. */
function drupalEncode(drupalPath: string, lowerHex = false): string {
  const encoded = drupalPath.split('/').map((segment) => encodeURIComponent(segment)).join('/');
  return lowerHex ? encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()) : encoded;
}

describe('vitrail import drupal', () => {
  let root: string;
  let fixture: DrupalFixture;
  let server: TestServer;
  let report: DrupalImportReport;

  const importDrupal = async (reportName: string): Promise<DrupalImportReport> => {
    const reportPath = path.join(root, reportName);
    await run(
      process.execPath,
      [CLI, 'import', 'drupal', '--files', fixture.filesDir, '--private', fixture.privateDir, '--report', reportPath],
      { env: { ...process.env, VITRAIL_DATA_DIR: server.dataDir, VITRAIL_LOG_LEVEL: 'warn' } },
    );
    return JSON.parse(await readFile(reportPath, 'utf8')) as DrupalImportReport;
  };
  const mediaIdOf = (fid: number): string => {
    const id = report.rows.find((row) => row.fid === fid)?.mediaId;
    assert.ok(id !== undefined, `fid ${fid} has no media`);
    return id;
  };
  const get = (urlPath: string, headers: Record<string, string> = {}) => fetch(`${server.url}${urlPath}`, { headers });
  const bytes = async (response: Response) => Buffer.from(await response.arrayBuffer());

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'vitrail-drupal-'));
    fixture = await buildDrupalFixture(root);
    // The server runs during the import: the command works on the same data directory beside it.
    server = await startTestServer();
    report = await importDrupal('report.json');
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('fixture declares a collation this connection lacks', () => {
    const db = new SqliteDatabase(fixture.databasePath, { readonly: true });
    try {
      assert.throws(() => db.prepare('SELECT fid FROM file_managed ORDER BY filename').all(), /no such collation sequence: NOCASE_UTF8/);
      assert.throws(() => db.prepare("SELECT uid FROM users_field_data WHERE mail = 'x'").all(), /no such collation sequence: NOCASE_UTF8/);
    } finally {
      db.close();
    }
  });

  it('reports the outcome of every row', () => {
    assert.deepEqual(
      report.rows.map((row) => [row.fid, row.status]),
      FIXTURE_ROWS.map((row) => [row.fid, EXPECTED_STATUS[row.fid]]),
    );
    assert.deepEqual(report.summary, {
      imported: 4,
      'skipped-temporary': 1,
      missing: 1,
      'skipped-scheme': 1,
      'skipped-forbidden-name': 1,
      'invalid-uri': 1,
      rejected: 1,
    });
    const rejected = report.rows.find((row) => row.fid === 10);
    assert.match(rejected?.detail ?? '', /text\/html|not accepted|no recognised type/);
    assert.deepEqual(report.rows.find((row) => row.fid === 1)?.derivatives, ['large.webp', 'medium']);
  });

  it('imports names, owners, dates, alt texts and visibility', async () => {
    const db = server.server.vitrail.db;
    const editor = await db.selectFrom('users').select('id').where('email', '=', 'editor@example.org').executeTakeFirstOrThrow();
    const media = async (fid: number) => db.selectFrom('media').selectAll().where('id', '=', mediaIdOf(fid)).executeTakeFirstOrThrow();

    const poster = await media(1);
    assert.equal(poster.name, 'Affiche kermesse.jpg');
    assert.equal(poster.alt, 'Affiche de la kermesse 2022');
    assert.equal(poster.visibility, 'public');
    assert.equal(poster.mime, 'image/jpeg');
    assert.equal(poster.width, 64);
    assert.equal(Number(poster.size), fixture.contents.get('2022-11/affiche.jpg')?.length);
    assert.equal(poster.created_by, editor.id);
    assert.equal(poster.created_at, new Date(1668000000 * 1000).toISOString());
    assert.equal(poster.rendition_mime, 'image/jpeg', 'an imported image gets a rendition');
    assert.equal(poster.thumbnail_mime, 'image/webp', 'an imported image gets a thumbnail');
    const thumbnailRow = await db.selectFrom('media_derived_blobs').select('sha256').where('media_id', '=', poster.id).where('kind', '=', 'thumbnail').executeTakeFirst();
    assert.equal(thumbnailRow?.sha256, poster.thumbnail_sha256);

    const party = await media(2);
    assert.equal(party.name, 'Fête paroissiale été.jpg');
    assert.equal(party.created_by, null);
    assert.equal(party.created_at, new Date(1686000000 * 1000).toISOString(), 'changed stands in for a missing created');
    const record = await db.selectFrom('drupal_imports').selectAll().where('fid', '=', 2).executeTakeFirstOrThrow();
    assert.equal(record.drupal_owner, 'jdupont');
    assert.equal(report.rows.find((row) => row.fid === 2)?.drupalOwner, 'jdupont');

    const bulletin = await media(3);
    assert.equal(bulletin.name, 'Bulletin de juillet.pdf');
    assert.equal(bulletin.mime, 'application/pdf');

    const list = await media(5);
    assert.equal(list.visibility, 'private');
  });

  it('serves old public URLs byte for byte', async () => {
    const poster = await get('/sites/default/files/2022-11/affiche.jpg');
    assert.equal(poster.status, 200);
    assert.equal(poster.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(await bytes(poster), fixture.contents.get('2022-11/affiche.jpg'));

    const bulletin = await get('/sites/default/files/documents/bulletin.pdf');
    assert.equal(bulletin.status, 200);
    assert.deepEqual(await bytes(bulletin), fixture.contents.get('documents/bulletin.pdf'));

    const head = await fetch(`${server.url}/sites/default/files/documents/bulletin.pdf`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(fixture.contents.get('documents/bulletin.pdf')?.length));
  });

  it('matches encoded paths in upper and lower hex, NFC and NFD', async () => {
    const expected = fixture.contents.get(ACCENTED_PATH);
    assert.equal(drupalEncode(ACCENTED_PATH), '2023-06/F%C3%AAte%20paroissiale%20%C3%A9t%C3%A9.jpg');
    for (const form of [
      drupalEncode(ACCENTED_PATH),
      drupalEncode(ACCENTED_PATH, true),
      drupalEncode(ACCENTED_PATH.normalize('NFD')),
      drupalEncode(ACCENTED_PATH.normalize('NFD'), true),
    ]) {
      const response = await get(`/sites/default/files/${form}`);
      assert.equal(response.status, 200, form);
      assert.deepEqual(await bytes(response), expected, form);
    }
    // Fastify itself rejects a malformed percent-encoding before any route runs.
    assert.equal((await get('/sites/default/files/2023-06/F%C3%AAte%20paroissiale%20%C3%A9t%C3%A9%ZZ.jpg')).status, 400);
  });

  it('serves style URLs from derivatives, else a variant at the style size', async () => {
    const medium = await get('/sites/default/files/styles/medium/public/2022-11/affiche.jpg?itok=AbCdEf12');
    assert.equal(medium.status, 200);
    assert.deepEqual(await bytes(medium), fixture.derivatives.get('medium/public/2022-11/affiche.jpg'));

    const webp = await get('/sites/default/files/styles/large/public/2022-11/affiche.jpg.webp?itok=xyz');
    assert.equal(webp.status, 200);
    assert.equal(webp.headers.get('content-type'), 'image/webp');
    assert.deepEqual(await bytes(webp), fixture.derivatives.get('large/public/2022-11/affiche.jpg.webp'));

    const mediumWebp = await get('/sites/default/files/styles/medium/public/2022-11/affiche.jpg.webp?itok=xyz');
    assert.deepEqual(await bytes(mediumWebp), fixture.derivatives.get('medium/public/2022-11/affiche.jpg'), 'the same style in the original format stands in');

    // No thumbnail derivative was on disk: a variant fitting the standard 100×100 box, never enlarged.
    const thumbnail = await get('/sites/default/files/styles/thumbnail/public/2022-11/affiche.jpg?itok=1');
    assert.equal(thumbnail.status, 200);
    assert.equal(thumbnail.headers.get('content-type'), 'image/jpeg');
    const thumbnailSize = await sharp(await bytes(thumbnail)).metadata();
    assert.equal(thumbnailSize.width, 64);
    assert.equal(thumbnailSize.height, 48);

    const accented = await get(`/sites/default/files/styles/medium/public/${drupalEncode(ACCENTED_PATH, true)}?itok=1`);
    assert.equal(accented.status, 200);
    const accentedSize = await sharp(await bytes(accented)).metadata();
    const original = await sharp(fixture.contents.get(ACCENTED_PATH)).metadata();
    assert.ok((accentedSize.width ?? 0) <= 220, 'width fits the medium style box');
    assert.ok((accentedSize.height ?? 0) <= 220, 'height fits the medium style box');
    assert.equal(accentedSize.width, Math.min(original.width ?? 0, Math.round(((original.width ?? 0) * 220) / Math.max(original.width ?? 1, original.height ?? 1))));

    // A style Drupal's standard profile does not define falls back to the media itself.
    const custom = await get('/sites/default/files/styles/bandeau_accueil/public/2022-11/affiche.jpg?itok=1');
    assert.equal(custom.status, 200);
    assert.deepEqual(await bytes(custom), fixture.contents.get('2022-11/affiche.jpg'));

    assert.equal((await get('/sites/default/files/styles/medium/private/confidentiel/liste.pdf')).status, 404);
  });

  it('never serves secrets, temporary, missing or private files anonymously', async () => {
    for (const urlPath of [
      '/sites/default/files/.ht.sqlite',
      '/sites/default/files/.htaccess',
      '/sites/default/files/%2Eht.sqlite',
      '/sites/default/files/2024-01/brouillon.png',
      '/sites/default/files/2021-03/disparue.jpg',
      '/sites/default/files/2022-11/page.html',
      '/sites/default/files/confidentiel/liste.pdf',
      '/system/files/confidentiel/liste.pdf',
    ]) {
      assert.equal((await get(urlPath)).status, 404, urlPath);
    }
    const forEditor = await get('/system/files/confidentiel/liste.pdf', bearer(server.editorToken));
    assert.equal(forEditor.status, 200);
    assert.deepEqual(await bytes(forEditor), fixture.contents.get('confidentiel/liste.pdf'));
  });

  it('imports nothing twice', async () => {
    const mediaBefore = await countMediaRows(server);
    const blobsBefore = await listBlobs(server);
    const second = await importDrupal('second.json');
    assert.equal(await countMediaRows(server), mediaBefore);
    assert.deepEqual(await listBlobs(server), blobsBefore);
    for (const row of second.rows) {
      const expected = EXPECTED_STATUS[row.fid] === 'imported' ? 'already-imported' : EXPECTED_STATUS[row.fid];
      assert.equal(row.status, expected, `fid ${row.fid}`);
    }
  });

  it('serves replaced content at old and style URLs', async () => {
    const id = mediaIdOf(1);
    const oldDerivative = await server.server.vitrail.db
      .selectFrom('media_derived_blobs')
      .select('sha256')
      .where('media_id', '=', id)
      .where('key', '=', 'medium')
      .executeTakeFirstOrThrow();
    const replacement = await sharp({ create: { width: 30, height: 30, channels: 3, background: '#123456' } }).png().toBuffer();
    const form = new FormData();
    form.append('file', new Blob([replacement]), 'nouvelle-affiche.png');
    const replaced = await fetch(`${server.url}/api/v1/media/${id}/content`, { method: 'PUT', headers: bearer(server.editorToken), body: form });
    assert.equal(replaced.status, 200);

    for (const urlPath of ['/sites/default/files/2022-11/affiche.jpg', '/sites/default/files/styles/medium/public/2022-11/affiche.jpg?itok=1']) {
      const response = await get(urlPath);
      assert.equal(response.status, 200, urlPath);
      assert.deepEqual(await bytes(response), replacement, urlPath);
    }
    assert.equal(await server.server.vitrail.blobs.stat(oldDerivative.sha256), null, 'the derivative of the old content is deleted');
  });

  it('answers 410 at the old URL once the media is purged', async () => {
    const id = mediaIdOf(1);
    const warned = await fetch(`${server.url}/api/v1/media/${id}?permanent=true`, { method: 'DELETE', headers: bearer(server.adminToken) });
    assert.equal(warned.status, 409, 'the old URL was fetched by the tests above');
    const purged = await fetch(`${server.url}/api/v1/media/${id}?permanent=true&confirm=true`, { method: 'DELETE', headers: bearer(server.adminToken) });
    assert.equal(purged.status, 200);
    for (const urlPath of ['/sites/default/files/2022-11/affiche.jpg', '/sites/default/files/styles/medium/public/2022-11/affiche.jpg']) {
      const gone = await get(urlPath);
      assert.equal(gone.status, 410, urlPath);
      assert.deepEqual(await bytes(gone), await gonePlaceholderImage());
    }
    const third = await importDrupal('third.json');
    assert.equal(third.rows.find((row) => row.fid === 1)?.status, 'already-imported', 'a purged file never comes back');
  });
});

async function listBlobs(server: TestServer): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of server.server.vitrail.blobs.list()) names.push(blob.sha256);
  return names.sort();
}

describe('vitrail import drupal --public-prefix', () => {
  it('serves a custom prefix after a restart', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'vitrail-drupal-prefix-'));
    const dataDir = path.join(root, 'data');
    try {
      const fixture = await buildDrupalFixture(root);
      await run(
        process.execPath,
        [CLI, 'import', 'drupal', '--files', fixture.filesDir, '--db', fixture.databasePath, '--public-prefix', '/sites/paroisse.example/files/'],
        { env: { ...process.env, VITRAIL_DATA_DIR: dataDir, VITRAIL_LOG_LEVEL: 'warn' } },
      );
      const server = await startTestServer({ VITRAIL_DATA_DIR: dataDir });
      try {
        const response = await fetch(`${server.url}/sites/paroisse.example/files/documents/bulletin.pdf`);
        assert.equal(response.status, 200);
        assert.deepEqual(Buffer.from(await response.arrayBuffer()), fixture.contents.get('documents/bulletin.pdf'));
        const defaultPrefix = await fetch(`${server.url}/sites/default/files/documents/bulletin.pdf`);
        assert.equal(defaultPrefix.status, 404);
      } finally {
        await server.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects a prefix Vitrail uses itself', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'vitrail-drupal-prefix-'));
    try {
      const fixture = await buildDrupalFixture(root);
      await assert.rejects(
        run(process.execPath, [CLI, 'import', 'drupal', '--files', fixture.filesDir, '--public-prefix', '/system/files'], {
          env: { ...process.env, VITRAIL_DATA_DIR: path.join(root, 'data') },
        }),
        (error: { code?: number; stderr?: string }) => error.code !== 0 && /uses for something else/.test(error.stderr ?? ''),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
