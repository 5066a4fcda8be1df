import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import tar from 'tar-stream';

import { DATABASE_FILE_NAME } from '../db/database.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isNotFound, syncDirectory } from '../storage/local-blob-store.js';
import { BLOB_ENTRY_PREFIX, MANIFEST_ENTRY, parseManifest, readManifest, type BackupManifest } from './backup-manifest.js';
import { OperationError } from './operation-error.js';

export interface RestoreRequest {
  /** The backup to restore. */
  readonly file: string;
  /** Earlier backups that an incremental one builds on, in any order. */
  readonly bases?: readonly string[];
  readonly dataDir: string;
  /** Store of the data directory being filled. */
  readonly blobs: BlobStore;
  /** Replaces the database and blobs of a data directory that is not empty, once the backup is verified. */
  readonly force?: boolean;
  readonly onProgress?: (progress: { readonly blobsDone: number; readonly blobsTotal: number }) => void;
}

export interface RestoreResult {
  readonly manifest: BackupManifest;
  readonly blobsRestored: number;
}

const RESTORING_SUFFIX = '.restoring';

/**
 * Fills a data directory from a backup, verifying the SHA-256 of the database and of every blob. Blobs
 * go in first, and the database is renamed into place last, so an interrupted restore never leaves a
 * database that points at missing blobs. With `force`, the directory's current database stays in place
 * until the whole backup has been verified, and blobs the backup does not list are deleted at the end.
 */
export async function restoreBackup(request: RestoreRequest): Promise<RestoreResult> {
  const manifest = await readManifest(request.file);
  const archives = await locateArchives(manifest, request.file, request.bases ?? []);
  await prepareDataDir(request.dataDir, request.force ?? false);

  const staging = path.join(request.dataDir, 'tmp');
  await mkdir(staging, { recursive: true });
  const databaseFile = path.join(request.dataDir, `${DATABASE_FILE_NAME}${RESTORING_SUFFIX}`);
  const expected = new Map(manifest.blobs.map((blob) => [blob.sha256, blob]));
  const restored = new Set<string>();
  let databaseRestored = false;

  try {
    for (const [backupId, file] of archives) {
      await readArchive(file, async (name, entry) => {
        if (name === manifest.database.entry && backupId === manifest.id) {
          await receiveVerified(entry, databaseFile, manifest.database.sha256, manifest.database.size, name, file);
          databaseRestored = true;
          return;
        }
        if (!name.startsWith(BLOB_ENTRY_PREFIX)) return;
        const sha256 = name.slice(BLOB_ENTRY_PREFIX.length);
        const blob = expected.get(sha256);
        if (blob === undefined || blob.backupId !== backupId || restored.has(sha256)) return;
        const stagedFile = path.join(staging, `${sha256}${RESTORING_SUFFIX}`);
        await receiveVerified(entry, stagedFile, sha256, blob.size, name, file);
        await request.blobs.putFile(sha256, stagedFile);
        restored.add(sha256);
        request.onProgress?.({ blobsDone: restored.size, blobsTotal: expected.size });
      });
    }

    if (!databaseRestored) throw new OperationError(`"${request.file}" has no ${manifest.database.entry}: the archive is damaged`);
    const missing = manifest.blobs.filter((blob) => !restored.has(blob.sha256));
    if (missing.length > 0) {
      throw new OperationError(
        `${missing.length} blob(s) listed in the manifest are missing from the archives given (first: ${missing[0]?.sha256 ?? ''}): the archive is damaged`,
      );
    }

    await replaceDatabase(request.dataDir, databaseFile);
    if (request.force ?? false) await deleteUnlistedBlobs(request.blobs, expected);
  } finally {
    await rm(databaseFile, { force: true });
    await cleanStaging(staging);
  }
  return { manifest, blobsRestored: restored.size };
}

async function prepareDataDir(dataDir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await mkdir(dataDir, { recursive: true });
    return;
  }
  if (entries.length === 0 || force) return;
  throw new OperationError(
    `The data directory ${dataDir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}): ` +
      'restore into an empty directory, or add --force to replace its database and blobs (stop the server first)',
  );
}

/**
 * Puts the restored database in place. A WAL left by the previous database must go first: SQLite would
 * otherwise replay it into the new file.
 */
async function replaceDatabase(dataDir: string, restoredFile: string): Promise<void> {
  const target = path.join(dataDir, DATABASE_FILE_NAME);
  await rm(`${target}-wal`, { force: true });
  await rm(`${target}-shm`, { force: true });
  await rename(restoredFile, target);
  await syncDirectory(dataDir);
}

async function deleteUnlistedBlobs(blobs: BlobStore, listed: ReadonlyMap<string, unknown>): Promise<void> {
  const unlisted: string[] = [];
  for await (const blob of blobs.list()) if (!listed.has(blob.sha256)) unlisted.push(blob.sha256);
  for (const sha256 of unlisted) await blobs.delete(sha256);
}

/** Maps each backup id the manifest needs to the archive that carries it. */
async function locateArchives(manifest: BackupManifest, file: string, bases: readonly string[]): Promise<Map<string, string>> {
  const archives = new Map<string, string>([[manifest.id, file]]);
  for (const base of bases) archives.set((await readManifest(base)).id, base);
  for (const blob of manifest.blobs) {
    if (!archives.has(blob.backupId)) {
      throw new OperationError(
        `"${file}" is incremental: it needs the earlier backup ${blob.backupId}. Name every earlier backup of the chain with --base`,
      );
    }
  }
  return archives;
}

/** Reads every entry of an archive in order, checking first that it is a Vitrail backup. */
async function readArchive(file: string, onEntry: (name: string, entry: Readable) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  const input = createReadStream(file);
  input.on('error', (error) => extract.destroy(error));
  input.pipe(extract);
  let first = true;
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      if (first) {
        first = false;
        if (name !== MANIFEST_ENTRY) throw new OperationError(`"${file}" is not a Vitrail backup: it does not start with ${MANIFEST_ENTRY}`);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        parseManifest(Buffer.concat(chunks).toString('utf8'), file);
        continue;
      }
      await onEntry(name, entry as unknown as Readable);
      // An entry the callback skipped must still be drained for the next one to arrive.
      entry.resume();
    }
  } catch (error) {
    if (error instanceof OperationError) throw error;
    throw new OperationError(`Cannot read the backup "${file}": ${(error as Error).message}`, { cause: error });
  } finally {
    input.destroy();
  }
}

/** Writes an entry to a file, syncs it, and checks its size and SHA-256 against the manifest. */
async function receiveVerified(entry: Readable, target: string, sha256: string, size: number, name: string, file: string): Promise<void> {
  const hasher = new HashingPassThrough();
  await pipeline(entry, hasher, createWriteStream(target, { flags: 'w' }));
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  const digest = hasher.digest();
  if (hasher.bytes !== size || digest !== sha256) {
    await rm(target, { force: true });
    throw new OperationError(
      `"${name}" in "${file}" is damaged: expected ${size} bytes with SHA-256 ${sha256}, found ${hasher.bytes} bytes with ${digest}`,
    );
  }
}

async function cleanStaging(staging: string): Promise<void> {
  for (const entry of await readdir(staging)) {
    if (entry.endsWith(RESTORING_SUFFIX)) await rm(path.join(staging, entry), { force: true });
  }
}

class HashingPassThrough extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
