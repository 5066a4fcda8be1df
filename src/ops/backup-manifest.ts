import { createReadStream } from 'node:fs';

import tar from 'tar-stream';

import { isSha256 } from '../storage/blob-store.js';
import { OperationError } from './operation-error.js';

/**
 * Layout of a backup archive (a plain tar file): `manifest.json` first, then `database/vitrail.db`, then
 * `blobs/<sha256>` for each blob the archive carries. The manifest comes first so that restore and
 * `--since` read it without scanning the whole archive.
 */
export const MANIFEST_ENTRY = 'manifest.json';
export const DATABASE_ENTRY = 'database/vitrail.db';
export const BLOB_ENTRY_PREFIX = 'blobs/';
export const BACKUP_FORMAT = 'vitrail-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: typeof BACKUP_FORMAT_VERSION;
  /** Random id; incremental backups name the archive holding each blob by this id. */
  readonly id: string;
  readonly createdAt: string;
  /** The earlier backup this one is incremental to, or null for a full backup. */
  readonly base: { readonly id: string; readonly createdAt: string } | null;
  readonly database: { readonly entry: string; readonly size: number; readonly sha256: string };
  /** Every blob the database snapshot references, whether this archive carries it or an earlier one does. */
  readonly blobs: readonly ManifestBlob[];
}

export interface ManifestBlob {
  readonly sha256: string;
  readonly size: number;
  /** Id of the backup whose archive carries the bytes: this one, or one of its bases. */
  readonly backupId: string;
}

export function blobEntryName(sha256: string): string {
  return `${BLOB_ENTRY_PREFIX}${sha256}`;
}

/** Reads only the manifest at the head of an archive. */
export async function readManifest(file: string): Promise<BackupManifest> {
  const extract = tar.extract();
  const input = createReadStream(file);
  input.on('error', (error) => extract.destroy(error));
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      if (entry.header.name !== MANIFEST_ENTRY) break;
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      return parseManifest(Buffer.concat(chunks).toString('utf8'), file);
    }
  } catch (error) {
    if (error instanceof OperationError) throw error;
    throw new OperationError(`Cannot read the backup "${file}": ${(error as Error).message}`, { cause: error });
  } finally {
    input.destroy();
    extract.destroy();
  }
  throw new OperationError(`"${file}" is not a Vitrail backup: it does not start with ${MANIFEST_ENTRY}`);
}

export function parseManifest(text: string, file: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OperationError(`The manifest of "${file}" is not valid JSON: the archive is damaged`);
  }
  const manifest = value as Partial<BackupManifest> | null;
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== BACKUP_FORMAT) {
    throw new OperationError(`"${file}" is not a Vitrail backup: its manifest has no format "${BACKUP_FORMAT}"`);
  }
  if (manifest.version !== BACKUP_FORMAT_VERSION) {
    throw new OperationError(
      `"${file}" uses backup format version ${String(manifest.version)}; this Vitrail reads version ${BACKUP_FORMAT_VERSION}: restore it with the Vitrail release that wrote it`,
    );
  }
  const blobsValid =
    Array.isArray(manifest.blobs) &&
    manifest.blobs.every((blob) => isSha256(blob.sha256) && Number.isSafeInteger(blob.size) && typeof blob.backupId === 'string');
  if (typeof manifest.id !== 'string' || manifest.database === undefined || !isSha256(manifest.database.sha256) || !blobsValid) {
    throw new OperationError(`The manifest of "${file}" is incomplete: the archive is damaged`);
  }
  return manifest as BackupManifest;
}
