import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import tar from 'tar-stream';

import type { BlobStore } from '../storage/blob-store.js';
import { statIfExists } from '../storage/file-presence.js';
import { syncDirectory } from '../storage/local-blob-store.js';
import type { Clock } from '../time/clock.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  blobEntryName,
  DATABASE_ENTRY,
  MANIFEST_ENTRY,
  readManifest,
  type BackupManifest,
  type ManifestBlob,
} from './backup-manifest.js';
import { listReferencedBlobs } from './blob-references.js';
import { openSnapshot, removeSnapshot, snapshotDatabase, temporarySnapshotPath } from './database-snapshot.js';
import { OperationError } from './operation-error.js';

export interface BackupProgress {
  readonly blobsDone: number;
  readonly blobsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface BackupRequest {
  readonly dataDir: string;
  readonly blobs: BlobStore;
  /** Archive to write; it appears only once complete and synced. */
  readonly file: string;
  /** Earlier backup: blobs it or its own bases contain are listed in the manifest but not copied again. */
  readonly since?: string;
  readonly clock: Clock;
  readonly onProgress?: (progress: BackupProgress) => void;
}

export interface BackupResult {
  readonly manifest: BackupManifest;
  /** Blobs and bytes copied into this archive. */
  readonly blobsWritten: number;
  readonly bytesWritten: number;
}

/**
 * Writes a backup archive: a consistent snapshot of the database, then every blob that snapshot
 * references (or, with `since`, those the earlier backup lacks). Blobs are read through the BlobStore
 * interface and checked against their SHA-256 on the way, so a damaged blob fails the backup instead of
 * being archived silently.
 */
export async function createBackup(request: BackupRequest): Promise<BackupResult> {
  await requireDirectoryOf(request.file);
  const existing = await statIfExists(request.file);
  if (existing?.isDirectory() === true) {
    throw new OperationError(`"${request.file}" is a directory: give the backup's file name inside it, such as ${path.join(request.file, 'vitrail-backup.tar')}`);
  }
  if (existing !== null) {
    throw new OperationError(`"${request.file}" already exists: choose a new file name, so that no earlier backup is overwritten`);
  }
  const base = request.since === undefined ? null : await readManifest(request.since);
  const snapshotFile = temporarySnapshotPath(request.file);
  const partialFile = `${request.file}.partial`;
  try {
    await snapshotDatabase(request.dataDir, snapshotFile);
    const referenced = await listSnapshotBlobs(snapshotFile, request.blobs);
    const manifest = await buildManifest(request, base, snapshotFile, referenced);
    const toWrite = manifest.blobs.filter((blob) => blob.backupId === manifest.id);

    await writeArchive(partialFile, manifest, snapshotFile, toWrite, request);
    await rename(partialFile, request.file);
    await syncDirectory(path.dirname(request.file));
    return { manifest, blobsWritten: toWrite.length, bytesWritten: toWrite.reduce((sum, blob) => sum + blob.size, 0) };
  } finally {
    await rm(partialFile, { force: true });
    await removeSnapshot(snapshotFile);
  }
}

/** Lists the blobs of a snapshot with their sizes; a size the rows do not record comes from the store. */
async function listSnapshotBlobs(snapshotFile: string, blobs: BlobStore): Promise<{ sha256: string; size: number }[]> {
  const snapshot = openSnapshot(snapshotFile);
  try {
    const referenced = await listReferencedBlobs(snapshot);
    const result: { sha256: string; size: number }[] = [];
    for (const blob of referenced.values()) {
      const size = blob.size ?? (await blobs.stat(blob.sha256))?.size;
      if (size === undefined) throw missingBlobError(blob.sha256);
      result.push({ sha256: blob.sha256, size });
    }
    return result.sort((a, b) => a.sha256.localeCompare(b.sha256));
  } finally {
    await snapshot.destroy();
  }
}

async function buildManifest(
  request: BackupRequest,
  base: BackupManifest | null,
  snapshotFile: string,
  referenced: readonly { sha256: string; size: number }[],
): Promise<BackupManifest> {
  const id = randomUUID();
  const inBase = new Map<string, string>((base?.blobs ?? []).map((blob) => [blob.sha256, blob.backupId]));
  const blobs: ManifestBlob[] = referenced.map((blob) => ({ ...blob, backupId: inBase.get(blob.sha256) ?? id }));
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_FORMAT_VERSION,
    id,
    createdAt: request.clock.now().toISOString(),
    base: base === null ? null : { id: base.id, createdAt: base.createdAt },
    database: { entry: DATABASE_ENTRY, size: (await stat(snapshotFile)).size, sha256: await hashFile(snapshotFile) },
    blobs,
  };
}

async function writeArchive(
  file: string,
  manifest: BackupManifest,
  snapshotFile: string,
  blobs: readonly ManifestBlob[],
  request: BackupRequest,
): Promise<void> {
  const pack = tar.pack();
  // A partial file left by a killed run is overwritten; the finished archive never is.
  const output = createWriteStream(file, { flags: 'w' });
  const written = pipeline(pack, output);
  // The pipeline's failure (a full disk, say) surfaces through `written`; this keeps it from going unhandled
  // while the entries are still being added.
  written.catch(() => undefined);

  const progress = { blobsDone: 0, blobsTotal: blobs.length, bytesDone: 0, bytesTotal: blobs.reduce((sum, blob) => sum + blob.size, 0) };
  try {
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await addEntry(pack, MANIFEST_ENTRY, manifestBytes.length, bufferSource(manifestBytes), manifest.createdAt);
    await addEntry(pack, DATABASE_ENTRY, manifest.database.size, createReadStream(snapshotFile), manifest.createdAt);
    for (const blob of blobs) {
      const source = await openBlob(request.blobs, blob.sha256);
      const digest = await addEntry(pack, blobEntryName(blob.sha256), blob.size, source, manifest.createdAt);
      if (digest !== blob.sha256) {
        throw new OperationError(
          `The blob ${blob.sha256} is damaged: its content hashes to ${digest}. Run "vitrail check" for a full report; restore the blob from an earlier backup`,
        );
      }
      progress.blobsDone += 1;
      progress.bytesDone += blob.size;
      request.onProgress?.({ ...progress });
    }
    pack.finalize();
    await written;
  } catch (error) {
    pack.destroy();
    output.destroy();
    throw error;
  }

  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Streams one entry into the archive, honouring back-pressure, and returns the SHA-256 of what was written.
 * tar needs the size up front: a source shorter or longer than `size` fails the entry.
 */
async function addEntry(pack: tar.Pack, name: string, size: number, source: Readable, mtime: string): Promise<string> {
  const hash = createHash('sha256');
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ name, size, mode: 0o600, mtime: new Date(mtime) }, (error) => (error ? reject(error) : resolve()));
    (async () => {
      for await (const chunk of source) {
        const bytes = chunk as Buffer;
        received += bytes.length;
        if (received > size) throw sizeMismatchError(name, received, size);
        hash.update(bytes);
        if (!sink.write(bytes)) await new Promise<void>((drained) => sink.once('drain', () => drained()));
      }
      if (received !== size) throw sizeMismatchError(name, received, size);
      sink.end(undefined);
    })().catch((error: unknown) => {
      source.destroy();
      sink.destroy(error as Error);
      reject(error as Error);
    });
  });
  return hash.digest('hex');
}

function sizeMismatchError(name: string, received: number, expected: number): OperationError {
  const measured = received > expected ? `more than ${expected}` : String(received);
  return new OperationError(
    `"${name}" has ${measured} bytes where ${expected} were expected: it is damaged or changed during the backup. Run "vitrail check" for a full report`,
  );
}

// NOTE: a blob deleted between the snapshot and its copy (a trash purge at that moment) fails the backup
// with this error. The next scheduled run starts over from a new snapshot.
async function openBlob(blobs: BlobStore, sha256: string): Promise<Readable> {
  try {
    return await blobs.openRead(sha256);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlobError(sha256);
    throw error;
  }
}

function missingBlobError(sha256: string): OperationError {
  return new OperationError(
    `The blob ${sha256} is referenced by the database but missing from the blob store. Run "vitrail check" for a full report`,
  );
}

function bufferSource(bytes: Buffer): Readable {
  // Readable.from iterates what it is given, so the Buffer is wrapped in an array to stay one chunk.
  return Readable.from([bytes]);
}

/** Checks the archive's directory first: better-sqlite3's backup would otherwise fail on a missing one with a bare TypeError. */
async function requireDirectoryOf(file: string): Promise<void> {
  const directory = path.dirname(file);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    throw new OperationError(
      `Cannot write the backup "${file}": the directory ${directory} does not exist. Create it first (mkdir -p ${directory}), or choose a file in an existing directory`,
    );
  }
  if (!isDirectory) {
    throw new OperationError(`Cannot write the backup "${file}": ${directory} is a file, not a directory. Choose a file in a directory`);
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
