/** The parts of the Prometheus counters a tally adds to; the counters of `VitrailMetrics` fit. */
export interface TallyTargets {
  readonly httpRequests: { inc(labels: { method: string; route: string; status: string }, value: number): void };
  readonly bytesServed: { inc(labels: { route: string }, value: number): void };
  readonly variantCacheHits: { inc(value: number): void };
}

interface RequestCount {
  readonly method: string;
  readonly route: string;
  readonly status: string;
  count: number;
}

/**
 * Counts requests served outside Fastify, on the public path's cache hits, in plain maps. prom-client
 * hashes the labels on every `inc`, which costs a noticeable share of a cached response; the tally is
 * added to the counters only when they are read, so /metrics shows the same totals.
 */
export class RequestTally {
  /** Counts by route, then method, then status: the strings are the callers' constants, so no key is built. */
  private requests = new Map<string, Map<string, Map<number, RequestCount>>>();
  private bytes = new Map<string, number>();
  private variantHits = 0;

  count(method: string, route: string, status: number, bodyBytes: number): void {
    let byMethod = this.requests.get(route);
    if (byMethod === undefined) this.requests.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    const entry = byStatus.get(status);
    if (entry === undefined) byStatus.set(status, { method, route, status: String(status), count: 1 });
    else entry.count += 1;
    if (bodyBytes > 0) this.bytes.set(route, (this.bytes.get(route) ?? 0) + bodyBytes);
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
    const requests = this.requests;
    this.requests = new Map();
    for (const byMethod of requests.values()) {
      for (const byStatus of byMethod.values()) {
        for (const { method, route, status, count } of byStatus.values()) targets.httpRequests.inc({ method, route, status }, count);
      }
    }
  }

  /** Adds the body bytes counted since the last call to the counter, and starts counting from zero. */
  drainBytes(targets: Pick<TallyTargets, 'bytesServed'>): void {
    const bytes = this.bytes;
    this.bytes = new Map();
    for (const [route, value] of bytes) targets.bytesServed.inc({ route }, value);
  }
}
