import type { IncomingMessage } from 'node:http';
import { open, truncate } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { FileStore } from '@tus/file-store';
import { ERRORS, isPathInsideDirectory } from '@tus/server';
import type { Logger } from 'pino';

import type { UploadGarbagePacer } from '../ops/garbage-collection.js';
import { FileDigest } from './file-digest.js';
import type { HashingThread } from './hashing-thread.js';
import { EARLY_SYNC_INTERVAL_BYTES, PeriodicDataSync } from './periodic-data-sync.js';
import { STAGING_WRITE_BUFFER_BYTES } from './staging-area.js';

/** SHA-256 of the first `bytes` bytes of an upload's partial file, as far as this process wrote them. */
interface RunningHash {
  readonly digest: FileDigest;
  readonly bytes: number;
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
  private readonly hashingThread: HashingThread | null;
  private readonly garbagePacer: UploadGarbagePacer | null;

  /**
   * `earlySyncIntervalBytes` is EARLY_SYNC_INTERVAL_BYTES unless a test needs a smaller one. Large uploads
   * are hashed on `hashingThread` when there is one; see FileDigest. The garbage pacer, when given, counts
   * every byte received.
   */
  constructor(options: {
    directory: string;
    expirationPeriodInMilliseconds?: number;
    logger: Logger;
    earlySyncIntervalBytes?: number;
    hashingThread?: HashingThread | null;
    garbagePacer?: UploadGarbagePacer | null;
  }) {
    super({ directory: options.directory, expirationPeriodInMilliseconds: options.expirationPeriodInMilliseconds });
    this.logger = options.logger;
    this.earlySyncIntervalBytes = options.earlySyncIntervalBytes ?? EARLY_SYNC_INTERVAL_BYTES;
    this.hashingThread = options.hashingThread ?? null;
    this.garbagePacer = options.garbagePacer ?? null;
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
    const running = this.takeRunningHash(filePath, id, offset);

    let received = 0;
    const handle = await open(filePath, 'r+');
    const sink = handle.createWriteStream({ start: offset, highWaterMark: STAGING_WRITE_BUFFER_BYTES });
    const garbagePacer = this.garbagePacer;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        running?.digest.update(chunk, offset + sink.bytesWritten);
        garbagePacer?.received(chunk.length);
        received += chunk.length;
        callback(null, chunk);
      },
    });
    const earlySync = new PeriodicDataSync(handle, this.earlySyncIntervalBytes);
    try {
      await pipeline(readable, meter, earlySync, sink);
    } catch (error) {
      running?.digest.forget();
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
      running?.digest.forget();
      await truncate(filePath, 0);
      throw ERRORS.FILE_WRITE_ERROR;
    }

    const newOffset = offset + received;
    if (running !== null) this.hashes.set(id, { digest: running.digest, bytes: newOffset });
    return newOffset;
  }

  override async remove(id: string): Promise<void> {
    this.hashes.get(id)?.digest.forget();
    this.hashes.delete(id);
    await super.remove(id);
  }

  /**
   * Resolves to the SHA-256 of the upload's first `size` bytes if every one of them went through write here.
   * Otherwise resolves to null, and the caller hashes the file from disk.
   */
  async digestOf(id: string, size: number): Promise<string | null> {
    const running = this.hashes.get(id);
    this.hashes.delete(id);
    if (running === undefined || running.bytes !== size) {
      running?.digest.forget();
      return null;
    }
    try {
      return await running.digest.digest(size);
    } catch (error) {
      this.logger.warn({ err: error, uploadId: id }, 'the running hash of a resumable upload failed; hashing its file again');
      return null;
    }
  }

  /**
   * Removes and returns the hash that continues at `offset`: a fresh one for an upload's first bytes, the
   * stored one when it covers exactly the bytes before `offset`, otherwise null. It is taken out of the
   * map while the write runs, so a failed write leaves no hash that counts bytes the file may lack.
   */
  private takeRunningHash(filePath: string, id: string, offset: number): RunningHash | null {
    const stored = this.hashes.get(id);
    this.hashes.delete(id);
    if (stored !== undefined && stored.bytes === offset) return stored;
    stored?.digest.forget();
    if (offset === 0) return { digest: new FileDigest(filePath, this.hashingThread), bytes: 0 };
    return null;
  }
}
