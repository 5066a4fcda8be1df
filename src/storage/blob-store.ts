import type { Readable } from 'node:stream';

/** Inclusive byte range, as HTTP Range uses. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface BlobInfo {
  readonly sha256: string;
  readonly size: number;
  /**
   * When the blob was last stored, if the store knows: an unreferenced blob this young may belong to an
   * upload whose row is not committed yet, so cleanup leaves it alone.
   */
  readonly storedAt?: Date;
}

/**
 * Something in a blob store that is not a blob where the store keeps it: a file of another name, a blob
 * in the wrong folder, a folder the layout does not use. Vitrail never writes such entries, so they come
 * from a person or another program.
 */
export interface StrayEntry {
  /** Place of the entry, for a person to find it: an absolute path for the local store. */
  readonly location: string;
  readonly type: 'file' | 'directory' | 'other';
  /** Size of a file, in bytes; null for a directory or another type. */
  readonly size: number | null;
  readonly modifiedAt: Date;
}

/**
 * Content-addressed storage of media bytes. A blob is named by the SHA-256 of its content, so identical
 * uploads are stored once. Every implementation runs the shared contract suite in test/storage.
 */
export interface BlobStore {
  /**
   * Moves a fully written local file into the store under its SHA-256, or drops it when that blob is
   * already stored, refreshing its storedAt time. When this resolves, the blob is durable and readable;
   * the local file is gone.
   */
  putFile(sha256: string, localPath: string): Promise<void>;
  /** Returns the blob's size, or null when it is not stored. */
  stat(sha256: string): Promise<BlobInfo | null>;
  /** Opens the blob's bytes, or a range of them; fails with code ENOENT when the blob is not stored. */
  openRead(sha256: string, range?: ByteRange): Promise<Readable>;
  /** Deletes a blob; deleting a missing blob is not an error. */
  delete(sha256: string): Promise<void>;
  /** Lists every stored blob, in no particular order. */
  list(): AsyncIterable<BlobInfo>;
  /** Lists what the store contains besides its blobs, in no particular order; `list` skips these entries. */
  listStrays(): AsyncIterable<StrayEntry>;
}

export function isSha256(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
