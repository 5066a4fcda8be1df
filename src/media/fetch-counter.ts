import type { Logger } from 'pino';

import type { FetchCountRepository } from '../db/repositories/fetch-count-repository.js';
import type { Clock } from '../time/clock.js';

/** How often counted fetches are written to the database, in milliseconds. */
export const FETCH_COUNT_FLUSH_INTERVAL_MS = 10_000;
/** How many days back a fetch counts as recent, today included, for the warnings before a deletion. */
export const RECENT_FETCH_DAYS = 7;

const DAY_MS = 24 * 3600 * 1000;

/**
 * Counts anonymous fetches per media and per UTC day, with no trace of who fetched. The public path only
 * adds to a map in memory. A timer writes the totals in one transaction every few seconds, so serving
 * never waits on SQLite. Counts not yet written are lost if the process dies, which a warning can afford.
 */
export class FetchCounter {
  private pending = new Map<string, number>();
  /** The UTC day of the last fetch and its bounds, so counting a fetch formats no date. */
  private day = { label: '', start: 0, end: 0 };
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: FetchCountRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  record(mediaId: string): void {
    const key = `${mediaId} ${this.today()}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), FETCH_COUNT_FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  private today(): string {
    const now = this.clock.now().getTime();
    if (now < this.day.start || now >= this.day.end) {
      const start = now - (now % DAY_MS);
      this.day = { label: utcDay(new Date(now)), start, end: start + DAY_MS };
    }
    return this.day.label;
  }

  /** Writes the counted fetches now; waits for a write already under way. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const deltas = [...batch].map(([key, count]) => {
      const [mediaId = '', day = ''] = key.split(' ');
      return { mediaId, day, count };
    });
    this.flushing = this.flushing.then(async () => {
      try {
        await this.repository.add(deltas);
      } catch (error) {
        this.logger.error({ err: error, media: deltas.length }, 'failed to write fetch counts; they are dropped');
      }
    });
    await this.flushing;
  }

  /** Fetches of a media over the last RECENT_FETCH_DAYS days, those not yet written included. */
  async countRecent(mediaId: string): Promise<number> {
    const now = this.clock.now();
    const firstDay = utcDay(new Date(now.getTime() - (RECENT_FETCH_DAYS - 1) * DAY_MS));
    let unwritten = 0;
    for (const [key, count] of this.pending) {
      const [id = '', day = ''] = key.split(' ');
      if (id === mediaId && day >= firstDay) unwritten += count;
    }
    return (await this.repository.sumSince(mediaId, firstDay)) + unwritten;
  }
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
