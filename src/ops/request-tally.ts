/** The parts of the Prometheus counters a tally adds to; the counters of `VitrailMetrics` fit. */
export interface TallyTargets {
  readonly httpRequests: { inc(labels: { method: string; route: string; status: string }, value: number): void };
  readonly bytesServed: { inc(labels: { route: string }, value: number): void };
  readonly variantCacheHits: { inc(value: number): void };
}

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
  private variantHits = 0;

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
    this.variantHits += 1;
  }

  /** Adds the variant hits counted since the last call to the counter, and starts counting from zero. */
  drainVariantHits(targets: Pick<TallyTargets, 'variantCacheHits'>): void {
    const hits = this.variantHits;
    this.variantHits = 0;
    if (hits > 0) targets.variantCacheHits.inc(hits);
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
