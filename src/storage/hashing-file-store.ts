import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { open, truncate } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { FileStore } from '@tus/file-store';
import { ERRORS, isPathInsideDirectory } from '@tus/server';
import type { Logger } from 'pino';

import { EARLY_SYNC_INTERVAL_BYTES, PeriodicDataSync } from './periodic-data-sync.js';
import { STAGING_WRITE_BUFFER_BYTES } from './staging-area.js';

/** SHA-256 of the first `bytes` bytes of an upload's partial file, as far as this process wrote them. */
interface RunningHash {
  readonly hash: Hash;
  bytes: number;
}

/**
 * tus's file store, hashing the bytes as each PATCH writes them, so a finished upload needs no second
 * read of its file to learn its SHA-256. The running hash lives in memory only: after a restart, or when
 * a write fails midway and the client resumes from an offset the hash has not seen, digestOf returns
 * null and the caller hashes the file from disk.
 */
export class HashingFileStore extends FileStore {
  private readonly hashes = new Map<string, RunningHash>();
  private readonly logger: Logger;
  private readonly earlySyncIntervalBytes: number;

  /** `earlySyncIntervalBytes` is EARLY_SYNC_INTERVAL_BYTES unless a test needs a smaller one. */
  constructor(options: { directory: string; expirationPeriodInMilliseconds?: number; logger: Logger; earlySyncIntervalBytes?: number }) {
    super({ directory: options.directory, expirationPeriodInMilliseconds: options.expirationPeriodInMilliseconds });
    this.logger = options.logger;
    this.earlySyncIntervalBytes = options.earlySyncIntervalBytes ?? EARLY_SYNC_INTERVAL_BYTES;
  }

  /**
   * Appends the request's bytes at `offset`, as FileStore.write does, with three changes. The bytes are
   * hashed on the way. The file's write stream buffers STAGING_WRITE_BUFFER_BYTES instead of 16 KiB, so
   * hashing and disk writes overlap. The file is synced early every EARLY_SYNC_INTERVAL_BYTES, so the fsync
   * of the finished upload has little left to flush.
   */
  override async write(readable: IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    const filePath = path.join(this.directory, id);
    if (!isPathInsideDirectory(this.directory, filePath)) throw ERRORS.FILE_NOT_FOUND;
    const running = this.takeRunningHash(id, offset);

    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        running?.hash.update(chunk);
        received += chunk.length;
        callback(null, chunk);
      },
    });
    const handle = await open(filePath, 'r+');
    const earlySync = new PeriodicDataSync(handle, this.earlySyncIntervalBytes);
    try {
      await pipeline(readable, meter, earlySync, handle.createWriteStream({ start: offset, highWaterMark: STAGING_WRITE_BUFFER_BYTES }));
    } catch (error) {
      await handle.close().catch(() => undefined);
      // tus responds to this error with 500, and the client resumes from the offset the file then has.
      this.logger.info({ err: error, uploadId: id, offset, received }, 'resumable upload write stopped');
      throw ERRORS.FILE_WRITE_ERROR;
    }
    try {
      await earlySync.settle();
    } catch (error) {
      // Linux reports a lost writeback to one sync call only, so the fsync of the finished upload could
      // succeed over bytes that never reached the disk. Emptying the file makes the client send them again.
      this.logger.error({ err: error, uploadId: id }, 'syncing a resumable upload failed; its partial file is emptied');
      await truncate(filePath, 0);
      throw ERRORS.FILE_WRITE_ERROR;
    }

    const newOffset = offset + received;
    if (running !== null) this.hashes.set(id, { hash: running.hash, bytes: newOffset });
    return newOffset;
  }

  override async remove(id: string): Promise<void> {
    this.hashes.delete(id);
    await super.remove(id);
  }

  /** Returns the SHA-256 of the upload's first `size` bytes if every one of them went through write here, else null. */
  digestOf(id: string, size: number): string | null {
    const running = this.hashes.get(id);
    this.hashes.delete(id);
    if (running === undefined || running.bytes !== size) return null;
    return running.hash.digest('hex');
  }

  /**
   * Removes and returns the hash that continues at `offset`: a fresh one for an upload's first bytes, the
   * stored one when it covers exactly the bytes before `offset`, otherwise null. It is taken out of the
   * map while the write runs, so a failed write leaves no hash that counts bytes the file may lack.
   */
  private takeRunningHash(id: string, offset: number): RunningHash | null {
    const stored = this.hashes.get(id);
    this.hashes.delete(id);
    if (stored !== undefined && stored.bytes === offset) return stored;
    if (offset === 0) return { hash: createHash('sha256'), bytes: 0 };
    return null;
  }
}
