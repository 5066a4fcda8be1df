import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import { RequestTally } from './request-tally.js';

export interface StorageReadings {
  /** Bytes of media stored, trash included. */
  usedBytes(): Promise<number>;
  /** Bytes free on the data directory's file system. */
  freeBytes(): Promise<number>;
}

/** Contents of the public path's cache, for the gauges that show them. */
export interface PublicCacheReadings {
  /** Media and variants known to the cache. */
  readonly size: number;
  /** Bytes of bodies kept in memory. */
  readonly cachedBodyBytes: number;
}

/**
 * The metrics of one Vitrail process, in its own registry so several servers in one process (the tests)
 * do not share counters. Image renders observe `imageProcessingSeconds`, and image variants count
 * `variantCacheHits` and `variantCacheMisses`. The public path tallies its hits on variant URLs apart
 * and adds them to `variantCacheHits` when the counters are read.
 */
export class VitrailMetrics {
  readonly registry = new Registry();

  /** Requests served from the public path's cache, added to the two counters below when they are read. */
  readonly publicPathTally = new RequestTally();

  readonly httpRequests: Counter<'method' | 'route' | 'status'> = new Counter({
    name: 'vitrail_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    collect: () => this.publicPathTally.drainRequests(this),
  });

  readonly bytesServed: Counter<'route'> = new Counter({
    name: 'vitrail_http_response_bytes_total',
    help: 'Bytes of response bodies declared by Content-Length, by route pattern',
    labelNames: ['route'] as const,
    registers: [this.registry],
    collect: () => this.publicPathTally.drainBytes(this),
  });

  readonly uploads = new Counter({
    name: 'vitrail_uploads_total',
    help: 'Uploads accepted and stored as media',
    registers: [this.registry],
  });

  readonly uploadBytes = new Counter({
    name: 'vitrail_upload_bytes_total',
    help: 'Bytes of uploads accepted and stored as media',
    registers: [this.registry],
  });

  readonly imageProcessingSeconds = new Histogram({
    name: 'vitrail_image_processing_seconds',
    help: 'Seconds to decode, transform and encode an image, waiting for a free image worker included, by operation: rendition (at upload) or variant',
    labelNames: ['operation'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly variantCacheHits: Counter = new Counter({
    name: 'vitrail_variant_cache_hits_total',
    help: 'Requests for an image variant served from a stored or cached variant',
    registers: [this.registry],
    collect: () => this.publicPathTally.drainCount('variantCacheHits', this),
  });

  readonly variantCacheMisses = new Counter({
    name: 'vitrail_variant_cache_misses_total',
    help: 'Image variants rendered because no stored variant existed',
    registers: [this.registry],
  });

  readonly publicCacheHits: Counter = new Counter({
    name: 'vitrail_public_cache_hits_total',
    help: 'Anonymous requests for a public URL served from the public path cache, without a database query',
    registers: [this.registry],
    collect: () => this.publicPathTally.drainCount('publicCacheHits', this),
  });

  readonly publicCacheMisses: Counter = new Counter({
    name: 'vitrail_public_cache_misses_total',
    help: 'Anonymous requests for a public URL missing from the public path cache, so served by the route',
    registers: [this.registry],
    collect: () => this.publicPathTally.drainCount('publicCacheMisses', this),
  });

  constructor(storage: StorageReadings, publicCache?: PublicCacheReadings) {
    if (publicCache !== undefined) {
      this.addGauge('vitrail_public_cache_entries', 'Public media and variants whose description the public path cache holds', () => publicCache.size);
      this.addGauge(
        'vitrail_public_cache_body_bytes',
        'Bytes of public media bodies the public path cache keeps in memory, within VITRAIL_MEMORY_CACHE_BYTES',
        () => publicCache.cachedBodyBytes,
      );
    }
    this.addGauge('vitrail_storage_used_bytes', 'Bytes of media stored, trash included', () => storage.usedBytes());
    this.addGauge('vitrail_storage_free_bytes', 'Bytes free on the file system of the data directory', () => storage.freeBytes());
    collectDefaultMetrics({ register: this.registry, prefix: 'vitrail_' });
  }

  recordUpload(bytes: number): void {
    this.uploads.inc();
    this.uploadBytes.inc(bytes);
  }

  /** Registers a gauge whose value is read from `read` each time the metrics are collected. */
  private addGauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }
}
