import type { Logger } from 'pino';

import type { FetchCountRepository } from '../db/repositories/fetch-count-repository.js';
import type { Clock } from '../time/clock.js';

/** How often counted fetches are written to the database, in milliseconds. */
export const FETCH_COUNT_FLUSH_INTERVAL_MS = 10_000;
/** How many days back a fetch counts as recent, today included, for the warnings before a deletion. */
export const RECENT_FETCH_DAYS = 7;

const DAY_MS = 24 * 3600 * 1000;

/** A day that contains no time, so the first fetch after start or after a flush looks its day up. */
const NO_DAY: CountedDay = { label: '', start: 0, end: 0, counts: new Map() };

/** A UTC day, its bounds in milliseconds and the fetches counted in it, by media id. */
interface CountedDay {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly counts: Map<string, number>;
}

/**
 * Counts anonymous fetches per media and per UTC day, with no trace of who fetched. The public path only
 * adds to a map in memory. A timer writes the totals in one transaction every few seconds, so serving
 * never waits on SQLite. Counts not yet written are lost if the process dies, which a warning can afford.
 */
export class FetchCounter {
  /** Fetches not yet written, by UTC day then media id; lookups by the cached id strings build no key. */
  private pending = new Map<string, Map<string, number>>();
  /** The UTC day of the last fetch, its bounds and its counts, so counting a fetch formats no date. */
  private day: CountedDay = NO_DAY;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: FetchCountRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Counts `fetches` fetches of a media, made today. */
  record(mediaId: string, fetches = 1): void {
    const counts = this.countsOfToday();
    counts.set(mediaId, (counts.get(mediaId) ?? 0) + fetches);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), FETCH_COUNT_FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  private countsOfToday(): Map<string, number> {
    const now = this.clock.now().getTime();
    if (now < this.day.start || now >= this.day.end) {
      const start = now - (now % DAY_MS);
      const label = utcDay(new Date(now));
      let counts = this.pending.get(label);
      if (counts === undefined) {
        counts = new Map();
        this.pending.set(label, counts);
      }
      this.day = { label, start, end: start + DAY_MS, counts };
    }
    return this.day.counts;
  }

  /** Writes the counted fetches now; waits for a write already under way. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    // The day's counts went with the batch; the next fetch starts a new map for its day.
    this.day = NO_DAY;
    const deltas = [...batch].flatMap(([day, counts]) => [...counts].map(([mediaId, count]) => ({ mediaId, day, count })));
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
    for (const [day, counts] of this.pending) if (day >= firstDay) unwritten += counts.get(mediaId) ?? 0;
    return (await this.repository.sumSince(mediaId, firstDay)) + unwritten;
  }
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
