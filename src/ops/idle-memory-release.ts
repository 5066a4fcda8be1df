import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';

import type { Logger } from 'pino';

import { collectEverything } from './garbage-collection.js';

/** How often the server checks whether its event loop was idle, in milliseconds. */
const CHECK_INTERVAL_MS = 1_000;

/** Checks in a row that must find the loop idle before a release: a minute, for the reason given below. */
const IDLE_CHECKS_BEFORE_RELEASE = 60;

/** How long the server must stay idle before it releases memory, in milliseconds. */
export const IDLE_BEFORE_RELEASE_MS = CHECK_INTERVAL_MS * IDLE_CHECKS_BEFORE_RELEASE;

/** Share of a check's interval the event loop may have been busy for the server to count as idle. */
const IDLE_UTILIZATION = 0.02;

/** Growth of V8's heap since the last release, in bytes, below which a release is not worth its pause. */
const RELEASABLE_HEAP_BYTES = 8 * 1024 * 1024;

/** Runs a full garbage collection and resolves once it is over. */
export type FullCollection = () => Promise<void>;

export interface IdleMemoryReleaseOptions {
  readonly logger: Logger;
  /** The collection to run; V8's own unless a test counts calls. */
  readonly collect?: FullCollection;
  /** Bytes of memory V8's heap takes from the system; V8's own figure unless a test sets it. */
  readonly heapBytes?: () => number;
  readonly intervalMs?: number;
  /** Checks in a row that must find the loop idle; IDLE_CHECKS_BEFORE_RELEASE unless a test sets it. */
  readonly idleChecks?: number;
}

/**
 * Gives memory back to the system once the server goes idle.
 *
 * V8 keeps the heap it grew under load. After a burst of requests or a large upload, an idle server kept
 * 180 MiB resident, and a freshly started one 115 MiB, because V8 shrinks its heap only in a full
 * collection and an idle server often runs none. Once the event loop has been almost idle for
 * IDLE_BEFORE_RELEASE_MS, checked every second, and if the heap has grown since the last release, one
 * full collection runs. It took 20 to 40 ms here, at a moment when no request was waiting. Checking every
 * second keeps a burst of requests that starts just then from paying for it.
 *
 * Holding V8's young generation small from the start also kept idle memory low, but it made V8 run a full
 * collection every few dozen MiB of a large upload.
 *
 * A full collection on an idle server also dropped the shape of Node's nextTick queue entries, so every
 * later request was slower. `holdNextTickShape` in next-tick-shape.ts keeps that shape.
 *
 * A release also shrinks V8's young generation back to its starting size, since V8 shrinks it in any full
 * collection run while little is being allocated. The next burst then collects its young generation every
 * 12 to 15 ms instead of every 80, until V8 has grown it again, about two seconds later. In that first
 * second, a cached 200 KB hit cost 43 to 52 µs of CPU, against 35 to 40 µs afterwards and in the first
 * second of a server that made no release. So the server waits a minute, not ten seconds as it first
 * did: bursts a few dozen seconds apart, as when a mailing goes out in batches, keep their young
 * generation, and a server left idle still gives its memory back.
 */
export class IdleMemoryRelease {
  private timer: NodeJS.Timeout | null = null;
  private loopAtLastCheck: EventLoopUtilization = performance.eventLoopUtilization();
  private heapAfterRelease = 0;
  private collecting = false;
  private releaseCount = 0;
  private idleStreak = 0;

  private readonly logger: Logger;
  private readonly collect: FullCollection;
  private readonly heapBytes: () => number;
  private readonly intervalMs: number;
  private readonly idleChecks: number;

  constructor(options: IdleMemoryReleaseOptions) {
    this.logger = options.logger;
    this.collect = options.collect ?? collectEverything;
    this.heapBytes = options.heapBytes ?? (() => v8.getHeapStatistics().total_heap_size);
    this.intervalMs = options.intervalMs ?? CHECK_INTERVAL_MS;
    this.idleChecks = options.idleChecks ?? IDLE_CHECKS_BEFORE_RELEASE;
  }

  /** How many releases have run. */
  get releases(): number {
    return this.releaseCount;
  }

  start(): void {
    if (this.timer !== null) return;
    this.loopAtLastCheck = performance.eventLoopUtilization();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    // The check never keeps the process alive on its own.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Runs a release if the last `idleChecks` checks, this one included, found the loop idle and the heap
   * has grown since the last release. Returns true if the release ran.
   */
  async check(): Promise<boolean> {
    const loop = performance.eventLoopUtilization(this.loopAtLastCheck);
    this.loopAtLastCheck = performance.eventLoopUtilization();
    this.idleStreak = loop.utilization > IDLE_UTILIZATION ? 0 : this.idleStreak + 1;
    if (this.collecting || this.idleStreak < this.idleChecks) return false;
    const heapBefore = this.heapBytes();
    if (heapBefore < this.heapAfterRelease + RELEASABLE_HEAP_BYTES) return false;

    this.collecting = true;
    const residentBefore = process.memoryUsage.rss();
    try {
      await this.collect();
    } catch (error) {
      this.logger.warn({ err: error }, 'releasing idle memory failed');
      return false;
    } finally {
      this.collecting = false;
    }
    this.heapAfterRelease = this.heapBytes();
    this.releaseCount += 1;
    this.logger.debug(
      { heapBefore, heapAfter: this.heapAfterRelease, residentBefore, residentAfter: process.memoryUsage.rss() },
      'released idle memory',
    );
    return true;
  }
}
