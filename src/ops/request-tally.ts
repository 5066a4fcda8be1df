/** The parts of the Prometheus counters a tally adds to; the counters of `VitrailMetrics` fit. */
export interface TallyTargets {
  readonly httpRequests: { inc(labels: { method: string; route: string; status: string }, value: number): void };
  readonly bytesServed: { inc(labels: { route: string }, value: number): void };
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
  private requests = new Map<string, RequestCount>();
  private bytes = new Map<string, number>();

  count(method: string, route: string, status: number, bodyBytes: number): void {
    const key = `${method} ${status} ${route}`;
    const entry = this.requests.get(key);
    if (entry === undefined) this.requests.set(key, { method, route, status: String(status), count: 1 });
    else entry.count += 1;
    if (bodyBytes > 0) this.bytes.set(route, (this.bytes.get(route) ?? 0) + bodyBytes);
  }

  /** Adds the requests counted since the last call to the counter, and starts counting from zero. */
  drainRequests(targets: Pick<TallyTargets, 'httpRequests'>): void {
    const requests = this.requests;
    this.requests = new Map();
    for (const { method, route, status, count } of requests.values()) targets.httpRequests.inc({ method, route, status }, count);
  }

  /** Adds the body bytes counted since the last call to the counter, and starts counting from zero. */
  drainBytes(targets: Pick<TallyTargets, 'bytesServed'>): void {
    const bytes = this.bytes;
    this.bytes = new Map();
    for (const [route, value] of bytes) targets.bytesServed.inc({ route }, value);
  }
}
