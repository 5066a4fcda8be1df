// Measures backup, restore and check against the standard tools doing the same I/O in the same run:
// GNU tar for the archive, and sha256sum for the verification. Run after `npm run build`:
//   node bench/backup.mjs [blob count] [blob size in KiB]
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pino from 'pino';

import { loadSettings } from '../dist/src/config/settings.js';
import { createBackup } from '../dist/src/ops/backup.js';
import { checkIntegrity } from '../dist/src/ops/integrity-check.js';
import { restoreBackup } from '../dist/src/ops/restore.js';
import { LocalBlobStore } from '../dist/src/storage/local-blob-store.js';
import { systemClock } from '../dist/src/time/clock.js';
import { openVitrail } from '../dist/src/vitrail.js';

const count = Number(process.argv[2] ?? 200);
const sizeKiB = Number(process.argv[3] ?? 512);
const work = await mkdtemp(path.join(os.tmpdir(), 'vitrail-bench-backup-'));
const dataDir = path.join(work, 'data');
const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));

for (let index = 0; index < count; index += 1) {
  const bytes = randomBytes(sizeKiB * 1024);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const staged = path.join(dataDir, 'tmp', `${sha256}.part`);
  await writeFile(staged, bytes);
  await vitrail.blobs.putFile(sha256, staged);
  const now = new Date().toISOString();
  await vitrail.db
    .insertInto('media')
    .values({ id: `bench${index}`, name: `f${index}.bin`, name_folded: `f${index}.bin`, mime: 'application/octet-stream', size: bytes.length, sha256, width: null, height: null, visibility: 'public', created_by: null, created_at: now, updated_at: now, trashed_at: null })
    .execute();
}

const timed = async (label, run) => {
  const start = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(44)} ${seconds.toFixed(2)} s`);
  return seconds;
};
const flush = () => execFileSync('sync');

console.log(`${count} blobs of ${sizeKiB} KiB (${((count * sizeKiB) / 1024).toFixed(0)} MiB), node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
flush();
await timed('vitrail backup', () => createBackup({ dataDir, blobs: vitrail.blobs, file: path.join(work, 'vitrail.tar'), clock: systemClock }));
flush();
await timed('reference: tar cf (blobs + database)', async () => execFileSync('tar', ['cf', path.join(work, 'reference.tar'), '-C', dataDir, 'blobs', 'vitrail.db']));
flush();
const restored = path.join(work, 'restored');
await timed('vitrail restore (with SHA-256 checks)', () => restoreBackup({ file: path.join(work, 'vitrail.tar'), dataDir: restored, blobs: new LocalBlobStore(path.join(restored, 'blobs')) }));
flush();
const extracted = path.join(work, 'extracted');
execFileSync('mkdir', ['-p', extracted]);
await timed('reference: tar xf + sync', async () => {
  execFileSync('tar', ['xf', path.join(work, 'reference.tar'), '-C', extracted]);
  execFileSync('sync');
});
await timed('vitrail check', () => checkIntegrity({ db: vitrail.db, blobs: vitrail.blobs, claims: vitrail.blobClaims, stagingDir: path.join(dataDir, 'tmp'), clock: systemClock, graceMs: 0, repair: false }));
await timed('reference: sha256sum of every blob', async () => execFileSync('sh', ['-c', `find "${path.join(dataDir, 'blobs')}" -type f -print0 | xargs -0 sha256sum > /dev/null`]));

await vitrail.close();
await rm(work, { recursive: true, force: true });
