import { statfs } from 'node:fs/promises';

import type { Database } from '../db/database.js';
import { describeBytes, VitrailError } from '../errors/catalogue.js';

/** Checks an upload against free disk space and storage quotas before its bytes are kept. */
export interface UploadGuard {
  /** Rejects with VITRAIL_STORAGE_FULL while free space is under the floor. */
  checkDiskSpace(): Promise<void>;
  /** Rejects with a quota error when `incomingBytes` more would pass the user's or the global quota. */
  checkQuota(userId: string | null, incomingBytes: number): Promise<void>;
  /** Turns a write failure caused by a full disk into VITRAIL_STORAGE_FULL; returns other errors as they are. */
  translateWriteError(error: unknown): unknown;
}

export interface StorageGuardOptions {
  readonly db: Database;
  readonly dataDir: string;
  readonly minFreeDiskBytes: number;
  readonly userQuotaBytes: number | null;
  readonly storageQuotaBytes: number | null;
}

/**
 * Guards uploads only: reads never consult it, so existing media keep being served when the disk fills.
 * Quotas count the size of every media row, trash included, because trashed media still use the disk
 * until they are purged. Identical files stored once still count once per media.
 */
export class StorageGuard implements UploadGuard {
  constructor(private readonly options: StorageGuardOptions) {}

  async checkDiskSpace(): Promise<void> {
    const free = await this.freeBytes();
    if (free < this.options.minFreeDiskBytes) throw this.fullError(free);
  }

  async checkQuota(userId: string | null, incomingBytes: number): Promise<void> {
    const { userQuotaBytes, storageQuotaBytes } = this.options;
    if (userQuotaBytes !== null && userId !== null) {
      const used = await this.usedBytes(userId);
      if (used + incomingBytes > userQuotaBytes) {
        throw new VitrailError('VITRAIL_USER_QUOTA_EXCEEDED', {
          size: describeBytes(incomingBytes),
          quota: describeBytes(userQuotaBytes),
          used: describeBytes(used),
        });
      }
    }
    if (storageQuotaBytes !== null) {
      const used = await this.usedBytes(null);
      if (used + incomingBytes > storageQuotaBytes) {
        throw new VitrailError('VITRAIL_STORAGE_QUOTA_EXCEEDED', {
          size: describeBytes(incomingBytes),
          quota: describeBytes(storageQuotaBytes),
          used: describeBytes(used),
        });
      }
    }
  }

  translateWriteError(error: unknown): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    // ENOSPC from the file system, SQLITE_FULL from the database when it cannot grow.
    if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') {
      return new VitrailError('VITRAIL_STORAGE_FULL', { free: 'no space', floor: describeBytes(this.options.minFreeDiskBytes) }, { cause: error });
    }
    return error;
  }

  /** Bytes available to this process on the data directory's file system. */
  async freeBytes(): Promise<number> {
    const stats = await statfs(this.options.dataDir);
    return stats.bavail * stats.bsize;
  }

  /** Bytes of media uploaded by one user, or by everyone when `userId` is null. */
  async usedBytes(userId: string | null): Promise<number> {
    let query = this.options.db.selectFrom('media').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('used'));
    if (userId !== null) query = query.where('created_by', '=', userId);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.used);
  }

  private fullError(free: number): VitrailError {
    return new VitrailError('VITRAIL_STORAGE_FULL', { free: describeBytes(free), floor: describeBytes(this.options.minFreeDiskBytes) });
  }
}
