import type { Dirent } from 'node:fs';
import { mkdir, open, opendir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

import { isNotFound, lstatIfExists, pathExists, statIfExists } from './file-presence.js';
import { isSha256, type BlobInfo, type BlobStore, type ByteRange, type StrayEntry } from './blob-store.js';

/**
 * Read size for serving blobs, in bytes: large reads cut system calls on big files (Node's default is 64 KiB),
 * but each open stream may hold about two of them, so 1 MiB reads took 20 MB downloads at 512 connections
 * to 453 MiB of RSS in bench/run-bench.ts, and 256 KiB reads to 287 MiB.
 */
const READ_CHUNK_BYTES = 256 * 1024;

/** Name of a fan-out folder: two lowercase hex digits, the start of the SHA-256 of the blobs inside. */
const FAN_OUT_NAME = /^[0-9a-f]{2}$/;

/**
 * Blobs as files under `<root>/<aa>/<bb>/<sha256>`, two levels of fan-out so no directory grows past
 * 65,536 entries per level. Files are renamed into place and the directory is synced, so a blob is
 * either absent or complete, even after a crash.
 */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async putFile(sha256: string, localPath: string): Promise<void> {
    const target = this.pathOf(sha256);
    if (await pathExists(target)) {
      // A fresh mtime signals to a concurrent orphan cleanup that this blob is about to be referenced again.
      const now = new Date();
      await utimes(target, now, now);
      await unlink(localPath);
      return;
    }
    const directory = path.dirname(target);
    await mkdir(directory, { recursive: true });
    await rename(localPath, target);
    await syncDirectory(directory);
  }

  async stat(sha256: string): Promise<BlobInfo | null> {
    try {
      const info = await stat(this.pathOf(sha256));
      return { sha256, size: info.size };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    const handle = await open(this.pathOf(sha256), 'r');
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: READ_CHUNK_BYTES });
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async *list(): AsyncIterable<BlobInfo> {
    for await (const entry of this.walk()) {
      if (!entry.isBlob) continue;
      const info = await statIfExists(entry.path);
      // A blob deleted since its folder was read is no longer stored.
      if (info !== null) yield { sha256: entry.name, size: info.size, storedAt: info.mtime };
    }
  }

  async *listStrays(): AsyncIterable<StrayEntry> {
    for await (const entry of this.walk()) {
      if (entry.isBlob) continue;
      const info = await lstatIfExists(entry.path);
      if (info === null) continue;
      const type = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
      yield { location: entry.path, type, size: type === 'file' ? info.size : null, modifiedAt: info.mtime };
    }
  }

  /**
   * Walks the store's two levels of folders. An entry is a blob only when it is a file named by a SHA-256
   * under the folders of that name's first four digits, which is where `pathOf` looks for it. Any other
   * entry is a stray, and the walk does not go into a stray folder.
   */
  private async *walk(): AsyncIterable<{ readonly path: string; readonly name: string; readonly isBlob: boolean }> {
    for await (const first of await openDirectoryIfExists(this.root)) {
      const firstPath = path.join(this.root, first.name);
      if (!first.isDirectory() || !FAN_OUT_NAME.test(first.name)) {
        yield { path: firstPath, name: first.name, isBlob: false };
        continue;
      }
      for await (const second of await openDirectoryIfExists(firstPath)) {
        const secondPath = path.join(firstPath, second.name);
        if (!second.isDirectory() || !FAN_OUT_NAME.test(second.name)) {
          yield { path: secondPath, name: second.name, isBlob: false };
          continue;
        }
        for await (const entry of await openDirectoryIfExists(secondPath)) {
          const isBlob = entry.isFile() && isSha256(entry.name) && entry.name.startsWith(`${first.name}${second.name}`);
          yield { path: path.join(secondPath, entry.name), name: entry.name, isBlob };
        }
      }
    }
  }

  /** Local path of a blob; callers outside storage use it only for fast local reads. */
  pathOf(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`Invalid blob name "${sha256}": expected 64 lowercase hex digits`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }
}

async function openDirectoryIfExists(directory: string): Promise<Iterable<Dirent> | AsyncIterable<Dirent>> {
  try {
    return await opendir(directory);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Makes a rename durable: the new directory entry survives a power cut once its directory is synced. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export { isNotFound } from './file-presence.js';
