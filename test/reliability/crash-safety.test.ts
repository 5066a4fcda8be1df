import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import SqliteDatabase from 'better-sqlite3';

import { loadSettings } from '../../src/config/settings.js';
import { createLogger } from '../../src/logging/logger.js';
import { RESUMABLE_DIRECTORY } from '../../src/storage/staging-area.js';
import { openVitrail } from '../../src/vitrail.js';
import { spawnServer } from '../support/server-process.js';

/** Rounds of kill and restart: a few in CI, twenty with `npm run test:long` (VITRAIL_CRASH_ROUNDS=20). */
const ROUNDS = Number(process.env.VITRAIL_CRASH_ROUNDS ?? '3');
const UPLOADS_PER_ROUND = 50;

interface Acknowledged {
  readonly url: string;
  readonly sha256: string;
}

describe('crash safety', () => {
  let dataDir: string;
  let token: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-crash-'));
    const settings = loadSettings({ VITRAIL_DATA_DIR: dataDir });
    const vitrail = await openVitrail(settings, createLogger({ level: 'silent', pretty: false }));
    await vitrail.users.addUser('crash@example.org', 'un mot de passe long', 'editor');
    token = (await vitrail.tokens.createToken('crash@example.org', 'crash test')).token;
    await vitrail.close();
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged upload through ${ROUNDS} SIGKILL rounds`, async (t) => {
    const acknowledged: Acknowledged[] = [];

    for (let round = 0; round < ROUNDS; round += 1) {
      const server = await spawnServer({ VITRAIL_DATA_DIR: dataDir});
      // Every other upload goes through the raw-body route, so both ways of sending a file face the kill.
      const uploads = Array.from({ length: UPLOADS_PER_ROUND }, (_unused, index) => uploadRandomPdf(server.url, token, index % 2 === 0 ? 'multipart' : 'raw'));
      // The kill comes at a random moment after the first acknowledgement, while other uploads are in flight,
      // so every round tests both sides of the line whatever the machine's load.
      const firstAcknowledged = Promise.any(uploads.map(async (upload) => (await upload) ?? Promise.reject(new Error('not acknowledged'))));
      await Promise.race([firstAcknowledged.catch(() => undefined), sleep(30_000)]);
      await sleep(randomInt(0, 400));
      server.child.kill('SIGKILL');
      await server.exited();

      for (const result of await Promise.allSettled(uploads)) {
        if (result.status === 'fulfilled' && result.value !== null) acknowledged.push(result.value);
      }

      const restarted = await spawnServer({ VITRAIL_DATA_DIR: dataDir});
      try {
        // Resumable uploads keep their directory across restarts by design; these rounds start none.
        const leftovers = (await readdir(path.join(dataDir, 'tmp'))).filter((entry) => entry !== RESUMABLE_DIRECTORY);
        assert.deepEqual(leftovers, [], `round ${round}: leftovers survived start-up`);
        assert.deepEqual(await readdir(path.join(dataDir, 'tmp', RESUMABLE_DIRECTORY)), [], `round ${round}: resumable uploads appeared`);
        for (const upload of acknowledged) {
          const response = await fetch(upload.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, restarted.url));
          assert.equal(response.status, 200, `round ${round}: ${upload.url} is no longer served`);
          const body = Buffer.from(await response.arrayBuffer());
          assert.equal(createHash('sha256').update(body).digest('hex'), upload.sha256, `round ${round}: ${upload.url} changed`);
        }
      } finally {
        restarted.child.kill('SIGTERM');
        await restarted.exited();
      }
      assertDatabaseConsistent(dataDir);
    }
    t.diagnostic(`${acknowledged.length} uploads acknowledged over ${ROUNDS} rounds, all served intact`);
    assert.ok(acknowledged.length > 0, 'no upload was acknowledged in any round: the kill came too early every time');
  });
});

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Uploads a PDF of random content, as multipart to POST /api/v1/media or as the body of
 * PUT /api/v1/media/files/{name}; resolves to its URL and hash once 201 has fully arrived, else null.
 */
async function uploadRandomPdf(baseUrl: string, token: string, route: 'multipart' | 'raw'): Promise<Acknowledged | null> {
  const content = Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(randomInt(1_000, 200_000)), Buffer.from('\n%%EOF\n')]);
  const form = new FormData();
  form.append('file', new Blob([content]), 'crash.pdf');
  const request: RequestInit =
    route === 'multipart'
      ? { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }
      : { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: content };
  try {
    const response = await fetch(route === 'multipart' ? `${baseUrl}/api/v1/media` : `${baseUrl}/api/v1/media/files/crash.pdf`, request);
    if (response.status !== 201) return null;
    const media = (await response.json()) as { url: string; sha256: string };
    assert.equal(media.sha256, createHash('sha256').update(content).digest('hex'));
    return { url: media.url, sha256: media.sha256 };
  } catch {
    return null;
  }
}

/** Checks SQLite's own integrity and that every media row points at a complete blob. */
function assertDatabaseConsistent(dataDir: string): void {
  const db = new SqliteDatabase(path.join(dataDir, 'vitrail.db'), { readonly: true });
  try {
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    const rows = db.prepare('select id, sha256, size from media').all() as { id: string; sha256: string; size: number }[];
    for (const row of rows) {
      const blobPath = path.join(dataDir, 'blobs', row.sha256.slice(0, 2), row.sha256.slice(2, 4), row.sha256);
      assert.equal(statSync(blobPath, { throwIfNoEntry: false })?.size, Number(row.size), `media ${row.id} has no complete blob`);
    }
  } finally {
    db.close();
  }
}
