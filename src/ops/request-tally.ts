/** The parts of the Prometheus counters a tally adds to; the counters of `VitrailMetrics` fit. */
export interface TallyTargets {
  readonly httpRequests: { inc(labels: { method: string; route: string; status: string }, value: number): void };
  readonly bytesServed: { inc(labels: { route: string }, value: number): void };
  readonly variantCacheHits: { inc(value: number): void };
  readonly publicCacheHits: { inc(value: number): void };
  readonly publicCacheMisses: { inc(value: number): void };
}

/** The counters of TallyTargets that take a single number, without labels. */
type PlainCount = 'variantCacheHits' | 'publicCacheHits' | 'publicCacheMisses';

/**
 * The requests of one series (method, route, status) and their body bytes since the last read. A caller that
 * counts the same series often may keep the counter and add to it directly.
 */
export interface RequestCounter {
  readonly method: string;
  readonly route: string;
  readonly status: string;
  count: number;
  bytes: number;
}

/**
 * Counts requests served outside Fastify, on the public path's cache hits, in plain objects. prom-client
 * hashes the labels on every `inc`, which costs a noticeable share of a cached response; the tally is
 * added to the counters only when they are read, so /metrics shows the same totals.
 */
export class RequestTally {
  /** Counters by route, then method, then status: the strings are the callers' constants, so no key is built. */
  private readonly counters = new Map<string, Map<string, Map<number, RequestCounter>>>();
  /** Counts kept as plain numbers since the last read, named after the counters they are added to. */
  private readonly plainCounts: Record<PlainCount, number> = { variantCacheHits: 0, publicCacheHits: 0, publicCacheMisses: 0 };

  /** Returns the counter of a series, the same object for as long as the tally lives. */
  counter(method: string, route: string, status: number): RequestCounter {
    let byMethod = this.counters.get(route);
    if (byMethod === undefined) this.counters.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let counter = byStatus.get(status);
    if (counter === undefined) byStatus.set(status, (counter = { method, route, status: String(status), count: 0, bytes: 0 }));
    return counter;
  }

  /** Counts a hit on a variant URL (a resize on /m/…, Mosaico's image endpoint). */
  countVariantHit(): void {
    this.plainCounts.variantCacheHits += 1;
  }

  /** Counts a request for a public URL that the public path found in its cache (a hit) or left to the route. */
  countCacheLookup(hit: boolean): void {
    if (hit) this.plainCounts.publicCacheHits += 1;
    else this.plainCounts.publicCacheMisses += 1;
  }

  /** Adds one plain count, as counted since the last call, to its counter, and starts it again from zero. */
  drainCount(name: PlainCount, targets: Pick<TallyTargets, PlainCount>): void {
    const pending = this.plainCounts[name];
    this.plainCounts[name] = 0;
    if (pending > 0) targets[name].inc(pending);
  }

  /** Adds the requests counted since the last call to the counter, and starts counting from zero. */
  drainRequests(targets: Pick<TallyTargets, 'httpRequests'>): void {
    for (const counter of this.allCounters()) {
      if (counter.count === 0) continue;
      const { method, route, status, count } = counter;
      counter.count = 0;
      targets.httpRequests.inc({ method, route, status }, count);
    }
  }

  /** Adds the body bytes counted since the last call to the counter, by route, and starts counting from zero. */
  drainBytes(targets: Pick<TallyTargets, 'bytesServed'>): void {
    const byRoute = new Map<string, number>();
    for (const counter of this.allCounters()) {
      if (counter.bytes === 0) continue;
      byRoute.set(counter.route, (byRoute.get(counter.route) ?? 0) + counter.bytes);
      counter.bytes = 0;
    }
    for (const [route, bytes] of byRoute) targets.bytesServed.inc({ route }, bytes);
  }

  private *allCounters(): Generator<RequestCounter> {
    for (const byMethod of this.counters.values()) {
      for (const byStatus of byMethod.values()) yield* byStatus.values();
    }
  }
}
