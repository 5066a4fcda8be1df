import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';

import { FileStore } from '@tus/file-store';

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

  override async write(readable: IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    const running = this.takeRunningHash(id, offset);
    if (running === null) return super.write(readable, id, offset);

    let hashed = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        running.hash.update(chunk);
        hashed += chunk.length;
        callback(null, chunk);
      },
    });
    // The callback form forwards a failure of the request to the hashing stream, which FileStore reads.
    const hashedSource = pipeline(readable, hashing, () => undefined);
    const newOffset = await super.write(hashedSource, id, offset);
    if (newOffset === offset + hashed) this.hashes.set(id, { hash: running.hash, bytes: newOffset });
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
