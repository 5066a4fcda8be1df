import { createHash, type Hash } from 'node:crypto';

import type { FollowedFile, HashingThread } from './hashing-thread.js';

/**
 * Size from which a file's SHA-256 is computed on the hashing thread. Below it, starting the thread and
 * reading the file back would cost more than hashing here.
 */
export const HASHING_THREAD_MIN_BYTES = 8 * 1024 * 1024;

/**
 * The SHA-256 of a file being written, fed the chunks the writer receives. Small files are hashed in this
 * thread. Once a file passes HASHING_THREAD_MIN_BYTES, the hashing thread takes over. It hashes the file
 * from its first byte, reading it back from the page cache up to the end the writer last reported.
 */
export class FileDigest {
  private hash: Hash | null = createHash('sha256');
  private follower: FollowedFile | null = null;
  private received = 0;

  /** Without a hashing thread, every file is hashed in this thread. */
  constructor(
    private readonly filePath: string,
    private readonly thread: HashingThread | null,
  ) {}

  /**
   * Takes a chunk received for the file, before it is written, and `writtenEnd`, the number of bytes at
   * the start of the file that are already written.
   */
  update(chunk: Buffer, writtenEnd: number): void {
    this.received += chunk.length;
    if (this.hash !== null && this.thread !== null && this.received > HASHING_THREAD_MIN_BYTES) {
      this.hash = null;
      this.follower = this.thread.follow(this.filePath);
    }
    if (this.hash !== null) this.hash.update(chunk);
    else this.follower?.written(writtenEnd);
  }

  /** Returns the SHA-256 of the file's first `size` bytes, in hex, once they are all written. */
  async digest(size: number): Promise<string> {
    if (this.follower !== null) return this.follower.finish(size);
    if (this.hash === null) throw new Error('the digest was already read');
    const sha256 = this.hash.digest('hex');
    this.hash = null;
    return sha256;
  }

  /** Gives up on the digest, before the file is deleted. */
  forget(): void {
    this.follower?.forget();
  }
}
