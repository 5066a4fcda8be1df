import { createHash } from 'node:crypto';

import type { Logger } from 'pino';

import type { DerivedBlobRepository } from '../db/repositories/derived-blob-repository.js';
import type { BlobClaims } from '../storage/blob-claims.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { StagingArea } from '../storage/staging-area.js';
import type { Clock } from '../time/clock.js';
import { storeBytes, withLocalBlobFile } from './blob-files.js';
import type { ImageOperation, ImageProcessor } from './image-processor.js';
import { variantKey } from './variant-request.js';

/** The bytes a variant is made from. */
export interface VariantSource {
  readonly mediaId: string;
  readonly sha256: string;
  readonly mime: string;
}

/** A variant ready to serve: kept in the blob store, or made for this request only, past the cap. */
export type Variant =
  | { readonly kind: 'stored'; readonly sha256: string; readonly mime: string; readonly size: number }
  | { readonly kind: 'transient'; readonly sha256: string; readonly mime: string; readonly size: number; readonly data: Buffer };

/** Counters of variant requests: served from a stored variant, or needing a render. */
export interface VariantCacheCounts {
  readonly hits: { inc(): void };
  readonly misses: { inc(): void };
}

export interface ImageVariantsDependencies {
  readonly processor: ImageProcessor;
  readonly counts: VariantCacheCounts;
  readonly derivedBlobs: DerivedBlobRepository;
  readonly blobs: BlobStore;
  readonly claims: BlobClaims;
  readonly staging: StagingArea;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Variants kept per media; past it, variants are made for each request and not stored. */
  readonly variantsPerMedia: number;
}

/**
 * Image variants requested on public URLs: made once, stored as blobs listed in media_derived_blobs (so a
 * purge or a content replacement removes them), and served like any media afterwards. The cap per media
 * stops anyone from filling the disk by requesting every size; CPU is bounded by the processor's work pool.
 */
export class ImageVariants {
  /** Variants being made, so simultaneous requests for the same one share a single decode. */
  private readonly inFlight = new Map<string, Promise<Variant>>();

  constructor(private readonly deps: ImageVariantsDependencies) {}

  async getVariant(source: VariantSource, operation: ImageOperation): Promise<Variant> {
    // The source is part of the key, so a variant made from content that was replaced meanwhile is never
    // served for the new content.
    const key = `${variantKey(operation)};source=${source.sha256}`;
    const stored = await this.deps.derivedBlobs.findVariant(source.mediaId, key);
    if (stored !== undefined && (await this.deps.blobs.stat(stored.sha256)) !== null) {
      this.deps.counts.hits.inc();
      return { kind: 'stored', sha256: stored.sha256, mime: stored.mime, size: Number(stored.size) };
    }

    const flightKey = `${source.mediaId}/${key}`;
    let pending = this.inFlight.get(flightKey);
    // A request that joins a render already running counts neither as a hit nor as a second miss.
    if (pending === undefined) {
      this.deps.counts.misses.inc();
      pending = this.makeVariant(source, operation, key).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, pending);
    }
    return pending;
  }

  private async makeVariant(source: VariantSource, operation: ImageOperation, key: string): Promise<Variant> {
    const started = performance.now();
    const image = await withLocalBlobFile(this.deps.blobs, this.deps.staging, source.sha256, (filePath) =>
      this.deps.processor.render({ path: filePath, mime: source.mime }, operation),
    );
    const durationMs = Math.round(performance.now() - started);
    const count = await this.deps.derivedBlobs.countVariants(source.mediaId);
    if (count >= this.deps.variantsPerMedia) {
      this.deps.logger.info({ mediaId: source.mediaId, key, durationMs, stored: count }, 'variant made without storing: cap reached');
      const sha256 = createHash('sha256').update(image.data).digest('hex');
      return { kind: 'transient', sha256, mime: image.mime, size: image.data.length, data: image.data };
    }

    const claims = this.deps.claims.open();
    let sha256: string;
    try {
      sha256 = await storeBytes(this.deps.blobs, this.deps.staging, image.data, claims);
      await this.deps.derivedBlobs.insert([
        {
          media_id: source.mediaId,
          kind: 'variant',
          key,
          sha256,
          mime: image.mime,
          size: image.data.length,
          width: image.width,
          height: image.height,
          created_at: this.deps.clock.now().toISOString(),
        },
      ]);
    } finally {
      await claims.release();
    }
    this.deps.logger.info({ mediaId: source.mediaId, key, sha256, size: image.data.length, durationMs }, 'variant made and stored');
    return { kind: 'stored', sha256, mime: image.mime, size: image.data.length };
  }
}
