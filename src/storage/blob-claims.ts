import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import { VitrailError } from '../errors/catalogue.js';
import type { Clock } from '../time/clock.js';

/**
 * How long a claim stays valid if its holder dies: far longer than storing a blob and committing its rows,
 * which takes milliseconds, or a few seconds when an image's renditions are made in between.
 */
const CLAIM_TTL_MS = 10 * 60_000;

/** Pause between two attempts on a blob that another holder has claimed. */
const RETRY_INTERVAL_MS = 20;

/** How long a process waits for another holder before it gives up with a 503. */
const DEFAULT_WAIT_LIMIT_MS = 60_000;

/** Storage of the claims: a table of the database that every process shares. */
export interface BlobClaimStore {
  /** Claims a blob for `holder` unless another holder's claim is valid at `now`; returns whether it did. */
  tryClaim(sha256: string, holder: string, now: string, expiresAt: string): Promise<boolean>;
  /** Releases the claims that `holder` still holds. */
  release(sha256s: readonly string[], holder: string): Promise<void>;
}

export interface BlobClaimsOptions {
  readonly repository: BlobClaimStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly waitLimitMs?: number;
}

/** Outcome of deleteIfUnreferenced: deleted, kept because a row references it, or kept because another holder has it. */
export type UnreferencedBlobOutcome = 'deleted' | 'referenced' | 'claimed';

/** A blob stayed claimed by another holder for the whole wait: a 503, since a later attempt may pass. */
export class BlobClaimTimeoutError extends VitrailError {
  constructor() {
    super('VITRAIL_UNAVAILABLE', {
      reason: 'another request has been storing or deleting the same file for too long; try again in a minute',
    });
  }
}

/**
 * Makes storing and deleting a blob take turns across every process that shares the database.
 *
 * Blobs are shared by content, so an upload may store bytes that a purge is about to delete. Without
 * turns, a purge could find a blob unreferenced, an upload of the same bytes could then find it stored and
 * commit its row, and the purge would delete the bytes under the new media. A writer holds a claim on each
 * blob it stores until its rows are committed; a deleter holds one while it checks references and deletes.
 */
export class BlobClaims {
  private readonly waitLimitMs: number;

  constructor(private readonly options: BlobClaimsOptions) {
    this.waitLimitMs = options.waitLimitMs ?? DEFAULT_WAIT_LIMIT_MS;
  }

  /**
   * Deletes a blob unless `isReferenced` finds a row for it, holding its claim from the check to the
   * delete. Returns `claimed` without waiting further when another holder kept the claim past the limit.
   */
  async deleteIfUnreferenced(sha256: string, isReferenced: () => Promise<boolean>, remove: () => Promise<void>): Promise<UnreferencedBlobOutcome> {
    try {
      return await this.withClaim(sha256, async () => {
        if (await isReferenced()) return 'referenced';
        await remove();
        return 'deleted';
      });
    } catch (error) {
      if (error instanceof BlobClaimTimeoutError) return 'claimed';
      throw error;
    }
  }

  /** Opens an empty set of claims for one writer, released together once its rows are committed. */
  open(): BlobClaimSet {
    return new BlobClaimSet(this);
  }

  /** Runs `work` while holding a claim on one blob. */
  async withClaim<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const claims = this.open();
    try {
      await claims.claim(sha256);
      return await work();
    } finally {
      await claims.release();
    }
  }

  /** Waits until `holder` has claimed the blob; fails with a 503 after the wait limit. */
  async acquire(sha256: string, holder: string): Promise<void> {
    const started = Date.now();
    for (;;) {
      const now = this.options.clock.now();
      const expiresAt = new Date(now.getTime() + CLAIM_TTL_MS).toISOString();
      if (await this.options.repository.tryClaim(sha256, holder, now.toISOString(), expiresAt)) return;
      if (Date.now() - started >= this.waitLimitMs) {
        this.options.logger.warn({ sha256, waitedMs: Date.now() - started }, 'blob claim wait timed out');
        throw new BlobClaimTimeoutError();
      }
      await sleep(RETRY_INTERVAL_MS);
    }
  }

  /** Releases the claims of `holder`; a failure is logged, and the claims then expire on their own. */
  async releaseAll(sha256s: readonly string[], holder: string): Promise<void> {
    try {
      await this.options.repository.release(sha256s, holder);
    } catch (error) {
      this.options.logger.error({ err: error, sha256s, holder }, 'blob claims could not be released');
    }
  }
}

/** The claims one writer holds, from storing its first blob until its rows are committed. */
export class BlobClaimSet {
  private readonly holder = randomUUID();
  private readonly claimed = new Set<string>();

  constructor(private readonly claims: BlobClaims) {}

  /** Claims a blob before it is stored; claiming a blob already in the set does nothing. */
  async claim(sha256: string): Promise<void> {
    if (this.claimed.has(sha256)) return;
    await this.claims.acquire(sha256, this.holder);
    this.claimed.add(sha256);
  }

  /** Releases every claim of the set. */
  async release(): Promise<void> {
    const sha256s = [...this.claimed];
    this.claimed.clear();
    await this.claims.releaseAll(sha256s, this.holder);
  }
}
