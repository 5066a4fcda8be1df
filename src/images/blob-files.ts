import { Readable } from 'node:stream';

import type { BlobClaimSet } from '../storage/blob-claims.js';
import type { BlobStore } from '../storage/blob-store.js';
import { LocalBlobStore } from '../storage/local-blob-store.js';
import type { StagingArea } from '../storage/staging-area.js';

/**
 * Gives an image decoder a local file of a blob: the blob's own file on the local store, or a copy in the
 * staging area, removed once `use` is done, on a store with no local files.
 */
export async function withLocalBlobFile<T>(
  blobs: BlobStore,
  staging: StagingArea,
  sha256: string,
  use: (filePath: string) => Promise<T>,
): Promise<T> {
  if (blobs instanceof LocalBlobStore) return use(blobs.pathOf(sha256));
  const copy = await staging.receive(await blobs.openRead(sha256), Number.MAX_SAFE_INTEGER);
  try {
    return await use(copy.path);
  } finally {
    await staging.discard(copy);
  }
}

/**
 * Stores bytes made by the server as a blob, through the staging area so the write is crash-safe. The blob
 * joins `claims`, which the caller releases once the rows that reference it are committed.
 */
export async function storeBytes(blobs: BlobStore, staging: StagingArea, data: Buffer, claims: BlobClaimSet): Promise<string> {
  const staged = await staging.receive(Readable.from([data]), Number.MAX_SAFE_INTEGER);
  try {
    await claims.claim(staged.sha256);
    await blobs.putFile(staged.sha256, staged.path);
  } finally {
    await staging.discard(staged);
  }
  return staged.sha256;
}
